//! `rdx export`: one instance's history as a file the DevTools' Import reads.

use crate::cli::{self, Config, Parsed};
use crate::error::{Error, Result};
use crate::model::selection::Selection;

pub(crate) const ABOUT: &str = "\
rdx export - write one instance's history as a DevTools file

Usage: rdx export [FILTERS] [--instance ID|--instance-select SEL] [-o FILE] [GLOBAL FLAGS]
";

pub(crate) const MORE: &str = "";

#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) sel: Selection,
    pub(crate) output: Option<String>,
}

pub(crate) fn args(p: &Parsed) -> Result<Args> {
    cli::no_more_words(p, 0)?;
    Ok(Args {
        sel: cli::selection(p)?,
        output: p
            .value(crate::cli::flags::FlagId::Output)
            .map(str::to_string),
    })
}

pub(crate) fn run(_cfg: &Config, _args: Args) -> Result<()> {
    Err(Error::usage("rdx export is being built"))
}
