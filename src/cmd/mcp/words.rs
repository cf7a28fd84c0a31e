//! What a selection that picked no instance or several says to an agent:
//! the command line's sentences (`cli/words.rs`) with the tools' argument
//! names and tools for its flags and commands.

use crate::cli::words::{self, Words};
use crate::error::SelectionError;

fn this_tool(_command: &str) -> String {
    "this tool".into()
}

/// The tools' names.
const MCP: Words = Words {
    instance: "instance",
    select: "select",
    app: "app",
    env: "env",
    id_prefix: "id_prefix",
    who: this_tool,
    narrow: "instance, id_prefix PREFIX, a tighter /regex/, or a label \
             (label_session, then select NAME)",
    pick: "instance, or label it: label_session",
    list_all: "list_sessions with all: true",
};

/// The whole message, for a tool's error result.
pub(super) fn say(e: &SelectionError) -> String {
    words::say(e, &MCP)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::error::{Asked, Candidate, Error};

    fn asked() -> Asked {
        Asked {
            select: Some("/shop/".into()),
            ..Asked::default()
        }
    }

    fn shops() -> Vec<Candidate> {
        vec![
            Candidate {
                id: "b".into(),
                app: Some("shop@prod".into()),
                label: Some("checkout".into()),
                status: "live",
                last_seen: 2,
            },
            Candidate {
                id: "a1".into(),
                app: Some("shop@staging".into()),
                label: None,
                status: "live",
                last_seen: 1,
            },
        ]
    }

    /// The command line's text (as `rdx` prints it: the `Error`'s) and the
    /// agent's, from one value.
    fn both(e: SelectionError) -> (String, String) {
        let mcp = say(&e);
        let cli = Error::from(e).to_string();
        (cli, mcp)
    }

    #[test]
    fn several_in_both_words() {
        let (cli, mcp) = both(SelectionError::Several {
            asked: asked(),
            command: "state",
            matches: shops(),
        });
        let list = "  b  app=shop@prod  label=checkout  status=live  last seen 1970-01-01T00:00:00.002Z\n  \
                    a1  app=shop@staging  label=-  status=live  last seen 1970-01-01T00:00:00.001Z\n";
        assert_eq!(
            cli,
            format!(
                "2 instances match (--instance-select /shop/); `rdx state` needs exactly one:\n{list}\
                 narrow it with --instance ID, --id-prefix PREFIX, a tighter /regex/, or a label \
                 (`rdx sessions label ID NAME`, then --instance-select NAME)"
            )
        );
        assert_eq!(
            mcp,
            format!(
                "2 instances match (select /shop/); this tool needs exactly one:\n{list}\
                 narrow it with instance, id_prefix PREFIX, a tighter /regex/, or a label \
                 (label_session, then select NAME)"
            )
        );
    }

    #[test]
    fn no_match_in_both_words() {
        let every = Asked {
            instance: Some("zz".into()),
            select: Some("x".into()),
            app: Some("/a/".into()),
            env: Some("e".into()),
            id_prefix: Some("p".into()),
        };
        let (cli, mcp) = both(SelectionError::NoMatch {
            asked: every,
            seen: 3,
            apps: vec![
                Some("shop@staging".into()),
                Some("admin".into()),
                Some("shop@prod".into()),
            ],
            labels: None,
        });
        let seen = "3 instance(s) were seen (apps: admin, shop@prod, shop@staging)";
        assert_eq!(
            cli,
            format!(
                "no instance matches --instance zz --instance-select x --app /a/ --env e \
                 --id-prefix p; {seen}; `rdx sessions --all` lists them"
            )
        );
        assert_eq!(
            mcp,
            format!(
                "no instance matches instance zz select x app /a/ env e id_prefix p; {seen}; \
                 list_sessions with all: true lists them"
            )
        );
        // Nothing asked, nothing seen.
        let (cli, mcp) = both(SelectionError::NoMatch {
            asked: Asked::default(),
            seen: 0,
            apps: Vec::new(),
            labels: None,
        });
        assert_eq!(
            cli,
            "no instance matches no selector or filter; no instances were seen; \
             `rdx sessions --all` lists them"
        );
        assert_eq!(
            mcp,
            "no instance matches no selector or filter; no instances were seen; \
             list_sessions with all: true lists them"
        );
    }

    #[test]
    fn at_most_eight_apps_sorted_as_shown() {
        let mut apps: Vec<Option<String>> = (0..10).map(|k| Some(format!("app{k}"))).collect();
        apps.push(None);
        apps.push(Some("ev\u{1b}[31mil".into()));
        let (cli, mcp) = both(SelectionError::NoMatch {
            asked: Asked {
                instance: Some("ID\u{7}x".into()),
                ..Asked::default()
            },
            seen: 12,
            apps,
            labels: None,
        });
        let seen = "12 instance(s) were seen (apps: (no name), app0, app1, app2, app3, app4, \
                    app5, app6, …)";
        assert_eq!(
            cli,
            format!(
                "no instance matches --instance ID\\x07x; {seen}; `rdx sessions --all` lists them"
            )
        );
        assert_eq!(
            mcp,
            format!(
                "no instance matches instance ID\\x07x; {seen}; list_sessions with all: true lists them"
            )
        );
    }

    #[test]
    fn a_label_in_the_store_in_both_words() {
        let (cli, mcp) = both(SelectionError::NoMatch {
            asked: Asked {
                select: Some("nolabel".into()),
                ..Asked::default()
            },
            seen: 2,
            apps: vec![Some("admin".into())],
            labels: Some(PathBuf::from("/tmp/labels.json")),
        });
        let store = "no instance is labelled nolabel in the label store /tmp/labels.json";
        assert_eq!(
            cli,
            format!(
                "no instance matches --instance-select nolabel; 2 instance(s) were seen \
                 (apps: admin); `rdx sessions --all` lists them; {store}"
            )
        );
        assert_eq!(
            mcp,
            format!(
                "no instance matches select nolabel; 2 instance(s) were seen (apps: admin); \
                 list_sessions with all: true lists them; {store}"
            )
        );
    }

    #[test]
    fn gone_in_both_words() {
        let gone = |app: Option<&str>, live: Vec<Candidate>| SelectionError::Gone {
            asked: Asked {
                select: Some("checkout".into()),
                ..Asked::default()
            },
            old: "i0".into(),
            label: Some("checkout".into()),
            app: app.map(str::to_string),
            live,
        };
        let head = "the instance i0 (label checkout) that";
        let (cli, mcp) = both(gone(Some("shop"), Vec::new()));
        assert_eq!(
            cli,
            format!(
                "{head} --instance-select checkout names is gone, and no live instance of shop \
                 replaced it; `rdx sessions --all` lists what was seen"
            )
        );
        assert_eq!(
            mcp,
            format!(
                "{head} select checkout names is gone, and no live instance of shop \
                 replaced it; list_sessions with all: true lists what was seen"
            )
        );
        let (cli, mcp) = both(gone(Some("shop"), shops()));
        let list = "  b  app=shop@prod  label=checkout  status=live  last seen 1970-01-01T00:00:00.002Z\n  \
                    a1  app=shop@staging  label=-  status=live  last seen 1970-01-01T00:00:00.001Z\n";
        assert_eq!(
            cli,
            format!(
                "{head} --instance-select checkout names is gone, and it is not clear which \
                 instance of shop replaced it:\n{list}\
                 pick one with --instance ID, or label it: `rdx sessions label ID NAME`"
            )
        );
        assert_eq!(
            mcp,
            format!(
                "{head} select checkout names is gone, and it is not clear which \
                 instance of shop replaced it:\n{list}\
                 pick one with instance, or label it: label_session"
            )
        );
        let (cli, mcp) = both(gone(None, Vec::new()));
        assert_eq!(
            cli,
            format!(
                "{head} --instance-select checkout names is gone; `rdx sessions --all` lists \
                 what was seen"
            )
        );
        assert_eq!(
            mcp,
            format!(
                "{head} select checkout names is gone; list_sessions with all: true lists \
                 what was seen"
            )
        );
    }

    #[test]
    fn a_selection_error_is_exit_1() {
        let e = Error::from(SelectionError::NoMatch {
            asked: Asked::default(),
            seen: 0,
            apps: Vec::new(),
            labels: None,
        });
        assert_eq!(e.exit_code(), 1);
    }
}
