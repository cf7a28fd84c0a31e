//! Output for people and for programs: terminal-safe text, color only when
//! asked for, aligned tables, and a buffered stdout. A leaf: uses nothing of
//! rdx.

pub(crate) mod json;

use std::borrow::Cow;
use std::io::{self, BufWriter, Stdout, Write};

/// Remove what a hostile string could use to take over a terminal: C0 and C1
/// control characters, DEL, and bidi overrides. Each becomes a visible escape
/// (`\x1b`, `\u{202e}`), so nothing is silently hidden either.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            let n = c as u32;
            if n <= 0xff {
                out.push_str(&format!("\\x{n:02x}"));
            } else {
                out.push_str(&format!("\\u{{{n:04x}}}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

pub(crate) fn is_unsafe(c: char) -> bool {
    matches!(c as u32, 0x00..=0x1f | 0x7f..=0x9f | 0x202a..=0x202e | 0x2066..=0x2069)
}

/// When to color, from `--color` (and NO_COLOR / TERM for `auto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    pub(crate) fn parse(s: &str) -> Result<ColorWhen, String> {
        match s {
            "auto" => Ok(ColorWhen::Auto),
            "always" => Ok(ColorWhen::Always),
            "never" => Ok(ColorWhen::Never),
            _ => Err(format!("invalid --color {s:?}: use auto, always or never")),
        }
    }

    /// Decide for stdout, given the environment.
    pub(crate) fn resolve(
        self,
        stdout_is_tty: bool,
        no_color: Option<&str>,
        term: Option<&str>,
    ) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                stdout_is_tty && no_color.is_none_or(str::is_empty) && term != Some("dumb")
            }
        }
    }
}

/// ANSI styles, or nothing when color is off.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Palette {
    pub(crate) on: bool,
}

impl Palette {
    pub(crate) fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub(crate) fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    pub(crate) fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
    pub(crate) fn green(&self, s: &str) -> String {
        self.wrap("32", s)
    }
    pub(crate) fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    pub(crate) fn red(&self, s: &str) -> String {
        self.wrap("31", s)
    }
    pub(crate) fn cyan(&self, s: &str) -> String {
        self.wrap("36", s)
    }
}

/// Display width, counting characters (good enough for the ids, names and
/// types rdx prints; wide CJK glyphs would count as one).
pub(crate) fn width(s: &str) -> usize {
    s.chars().count()
}

/// Cut a string to at most `max` characters, ending in `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    let keep: String = s.chars().take(max.saturating_sub(1)).collect();
    Cow::Owned(keep + "…")
}

/// Cut a string to at most `max` characters by taking out its middle, so a
/// path keeps its start and its file name: `/check/wo…/gap-lost.jsonl`.
pub(crate) fn elide_middle(s: &str, max: usize) -> Cow<'_, str> {
    let n = width(s);
    if n <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let keep = max - 1;
    let tail = keep - keep / 3;
    let head = keep - tail;
    let mut out: String = s.chars().take(head).collect();
    out.push('…');
    out.extend(s.chars().skip(n - tail));
    Cow::Owned(out)
}

/// A table: a header and rows of already-sanitized cells. Cells may hold
/// color codes: `plain` gives each cell's text without them, for widths.
pub(crate) struct Table {
    rows: Vec<Vec<(String, String)>>,
    right: Vec<bool>,
}

impl Table {
    pub(crate) fn new(header: &[&str], right: &[bool], pal: Palette) -> Table {
        let row = header
            .iter()
            .map(|h| (pal.bold(h), h.to_string()))
            .collect();
        Table {
            rows: vec![row],
            right: right.to_vec(),
        }
    }

    /// Add a row of (styled, plain) cells.
    pub(crate) fn row(&mut self, cells: Vec<(String, String)>) {
        self.rows.push(cells);
    }

    pub(crate) fn render(&self) -> String {
        let cols = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0; cols];
        for row in &self.rows {
            for (i, (_, plain)) in row.iter().enumerate() {
                widths[i] = widths[i].max(width(plain));
            }
        }
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (i, (styled, plain)) in row.iter().enumerate() {
                let pad = widths[i] - width(plain);
                let last = i + 1 == row.len();
                if self.right.get(i).copied().unwrap_or(false) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(styled);
                } else {
                    line.push_str(styled);
                    if !last {
                        line.push_str(&" ".repeat(pad));
                    }
                }
                if !last {
                    line.push_str("  ");
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// How lines are written, decided once from the config: for people or for
/// programs (`--json`). The printers of `view` take it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Format {
    /// Text for people: colored by `pal`, cut to `width` columns (`None`:
    /// never cut), documents pretty-printed when `pretty` (a terminal).
    Human {
        pal: Palette,
        width: Option<usize>,
        pretty: bool,
    },
    /// One JSON object per line (NDJSON).
    Ndjson,
}

/// stdout (or any writer), buffered; `stream` mode flushes after every line.
pub(crate) struct Out<W: Write = Stdout> {
    w: BufWriter<W>,
    stream: bool,
}

impl Out {
    /// `stream`: flush after every line (callers say so on a terminal too).
    pub(crate) fn new(stream: bool) -> Out {
        Out::to(io::stdout(), stream)
    }
}

impl<W: Write> Out<W> {
    /// Lines into `w` (a `Vec<u8>` in tests).
    pub(crate) fn to(w: W, stream: bool) -> Out<W> {
        Out {
            w: BufWriter::with_capacity(64 * 1024, w),
            stream,
        }
    }

    /// The writer, everything written flushed into it.
    #[cfg(test)]
    pub(crate) fn into_inner(self) -> io::Result<W> {
        self.w.into_inner().map_err(io::IntoInnerError::into_error)
    }

    /// Write one line (a newline is added).
    pub(crate) fn line(&mut self, s: &str) -> io::Result<()> {
        self.w.write_all(s.as_bytes())?;
        self.w.write_all(b"\n")?;
        if self.stream {
            self.w.flush()?;
        }
        Ok(())
    }

    /// Write text as is (for a rendered table).
    pub(crate) fn text(&mut self, s: &str) -> io::Result<()> {
        self.w.write_all(s.as_bytes())?;
        if self.stream {
            self.w.flush()?;
        }
        Ok(())
    }

    /// Write one JSON line (terminal-safe, see [`json::to_writer`]).
    pub(crate) fn json(&mut self, v: &serde_json::Value) -> io::Result<()> {
        json::to_writer(&mut self.w, v)?;
        self.w.write_all(b"\n")?;
        if self.stream {
            self.w.flush()?;
        }
        Ok(())
    }

    /// One JSON object line, written field by field straight into the
    /// output: no tree is built for a line per action.
    pub(crate) fn object(&mut self) -> ObjectLine<'_, W> {
        ObjectLine {
            out: self,
            first: true,
        }
    }

    /// Write through `f` (a stream of text, e.g. a big JSON document).
    pub(crate) fn write_with(
        &mut self,
        f: impl FnOnce(&mut BufWriter<W>) -> io::Result<()>,
    ) -> io::Result<()> {
        f(&mut self.w)
    }

    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// A JSON object being written as one line: `out.object().field("a", &1)?.end()`.
pub(crate) struct ObjectLine<'a, W: Write = Stdout> {
    out: &'a mut Out<W>,
    first: bool,
}

impl<W: Write> ObjectLine<'_, W> {
    pub(crate) fn field<T: serde::Serialize + ?Sized>(
        mut self,
        key: &str,
        value: &T,
    ) -> io::Result<Self> {
        self.key(key)?;
        json::to_writer(&mut self.out.w, value)?;
        Ok(self)
    }

    /// A string field (null for `None`): [`ObjectLine::field`]'s text,
    /// written directly when it is printable ASCII with nothing to escape
    /// (ids, names, times, most action types).
    pub(crate) fn str(mut self, key: &str, value: Option<&str>) -> io::Result<Self> {
        self.key(key)?;
        let w = &mut self.out.w;
        match value {
            Some(s) if json::plain(s) => {
                w.write_all(b"\"")?;
                w.write_all(s.as_bytes())?;
                w.write_all(b"\"")
            }
            v => json::to_writer(&mut *w, &v),
        }?;
        Ok(self)
    }

    /// A field whose value is the JSON text `raw` (valid JSON), written as
    /// [`ObjectLine::field`] would write its value (see
    /// [`json::write_compact_raw`]): a big document never becomes a tree.
    pub(crate) fn raw(mut self, key: &str, raw: &str) -> io::Result<Self> {
        self.key(key)?;
        json::write_compact_raw(raw, &mut self.out.w)?;
        Ok(self)
    }

    // Inlined into `str` and `field`: a key's four small writes without a
    // call (a `tail --json` line has nine keys; 210 instructions a line).
    #[inline(always)]
    fn key(&mut self, key: &str) -> io::Result<()> {
        let w = &mut self.out.w;
        w.write_all(if self.first { b"{" } else { b"," })?;
        self.first = false;
        // Keys are rdx's own names (plain ASCII): written as they are.
        debug_assert!(key.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'));
        w.write_all(b"\"")?;
        w.write_all(key.as_bytes())?;
        w.write_all(b"\":")
    }

    pub(crate) fn end(self) -> io::Result<()> {
        let w = &mut self.out.w;
        w.write_all(if self.first { b"{}\n" } else { b"}\n" })?;
        if self.out.stream {
            w.flush()?;
        }
        Ok(())
    }
}

/// The terminal's width in columns (call only when stdout is a terminal):
/// `COLUMNS` if set, else what the terminal says, else 100.
pub(crate) fn terminal_width(columns: Option<&str>) -> usize {
    if let Some(c) = columns.and_then(|c| c.parse::<usize>().ok()) {
        return c.max(20);
    }
    sys_width().unwrap_or(100)
}

fn sys_width() -> Option<usize> {
    winsize::cols(1)
}

/// The terminal-size ioctl (Linux), where its request number is the
/// asm-generic one (mips, powerpc and sparc number it differently: no ioctl
/// there, and no width).
#[cfg(target_os = "linux")]
mod winsize {
    use std::ffi::c_int;

    #[repr(C)]
    #[derive(Default)]
    pub(super) struct WinSize {
        pub(super) rows: u16,
        pub(super) cols: u16,
        pub(super) xpixel: u16,
        pub(super) ypixel: u16,
    }

    // The request's C type is the libc's: glibc declares
    // `int ioctl(int, unsigned long, ...)`, musl `int ioctl(int, int, ...)`.
    // A fixed u64 is right on 64-bit glibc only.
    #[cfg(target_env = "musl")]
    pub(super) type Request = c_int;
    #[cfg(not(target_env = "musl"))]
    pub(super) type Request = std::ffi::c_ulong;

    unsafe extern "C" {
        pub(super) fn ioctl(fd: c_int, request: Request, ...) -> c_int;
    }

    pub(super) const TIOCGWINSZ: Option<Request> = if cfg!(any(
        target_arch = "x86",
        target_arch = "x86_64",
        target_arch = "arm",
        target_arch = "aarch64",
        target_arch = "riscv32",
        target_arch = "riscv64",
        target_arch = "loongarch64",
        target_arch = "s390x"
    )) {
        Some(0x5413)
    } else {
        None
    };

    /// The width in columns of the terminal on `fd`, if it is one.
    pub(super) fn cols(fd: c_int) -> Option<usize> {
        let request = TIOCGWINSZ?;
        let mut ws = WinSize::default();
        // SAFETY: TIOCGWINSZ writes one `struct winsize` into the pointer we
        // pass, which points at a live, properly laid-out value.
        let rc = unsafe { ioctl(fd, request, &mut ws as *mut WinSize) };
        (rc == 0 && ws.cols > 0).then_some(ws.cols as usize)
    }
}

#[cfg(not(target_os = "linux"))]
mod winsize {
    pub(super) fn cols(_fd: i32) -> Option<usize> {
        None
    }
}

/// Compact JSON of a value, for one-line displays.
pub(crate) fn compact(v: &serde_json::Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_terminal_attacks() {
        assert_eq!(sanitize("counter/incremented"), "counter/incremented");
        assert!(matches!(sanitize("plain"), Cow::Borrowed(_)));
        assert_eq!(sanitize("a\x1b[31mred\x07"), "a\\x1b[31mred\\x07");
        assert_eq!(sanitize("x\u{9b}y\u{7f}"), "x\\x9by\\x7f");
        assert_eq!(
            sanitize("evil\u{202e}txt.exe\u{2066}"),
            "evil\\u{202e}txt.exe\\u{2066}"
        );
        assert_eq!(sanitize("line\nbreak\ttab"), "line\\x0abreak\\x09tab");
        assert_eq!(sanitize("üñí😀"), "üñí😀");
        let osc = "\x1b]0;pwned\x07";
        assert!(!sanitize(osc).contains('\x1b'));
    }

    #[test]
    fn color_decision() {
        assert!(ColorWhen::Auto.resolve(true, None, Some("xterm")));
        assert!(ColorWhen::Auto.resolve(true, Some(""), None));
        assert!(!ColorWhen::Auto.resolve(false, None, Some("xterm")));
        assert!(!ColorWhen::Auto.resolve(true, Some("1"), Some("xterm")));
        assert!(!ColorWhen::Auto.resolve(true, None, Some("dumb")));
        assert!(ColorWhen::Always.resolve(false, Some("1"), Some("dumb")));
        assert!(!ColorWhen::Never.resolve(true, None, None));
        assert!(ColorWhen::parse("sometimes").is_err());
    }

    #[test]
    fn tables_align() {
        let pal = Palette { on: false };
        let mut t = Table::new(&["ID", "N", "NAME"], &[false, true, false], pal);
        t.row(vec![
            ("abc".into(), "abc".into()),
            ("5".into(), "5".into()),
            ("x".into(), "x".into()),
        ]);
        t.row(vec![
            ("a".into(), "a".into()),
            ("123".into(), "123".into()),
            ("yy".into(), "yy".into()),
        ]);
        assert_eq!(t.render(), "ID     N  NAME\nabc    5  x\na    123  yy\n");
    }

    /// The ioctl reads a terminal's size through the declaration above: a
    /// pseudo-terminal given 123 columns says 123; a file is no terminal.
    #[cfg(all(
        target_os = "linux",
        any(target_arch = "x86_64", target_arch = "aarch64")
    ))]
    #[test]
    fn terminal_size_ioctl() {
        use std::os::fd::AsRawFd;
        use winsize::{Request, WinSize, ioctl};
        const TIOCSWINSZ: Request = 0x5414;
        let Ok(pty) = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/ptmx")
        else {
            return; // no pseudo-terminals here
        };
        let set = WinSize {
            rows: 40,
            cols: 123,
            ..WinSize::default()
        };
        // SAFETY: TIOCSWINSZ reads one `struct winsize` from a live value.
        let rc = unsafe { ioctl(pty.as_raw_fd(), TIOCSWINSZ, &set as *const WinSize) };
        assert_eq!(rc, 0);
        assert_eq!(winsize::cols(pty.as_raw_fd()), Some(123));
        let file = std::fs::File::open("Cargo.toml").unwrap();
        assert_eq!(winsize::cols(file.as_raw_fd()), None);
    }

    #[test]
    fn object_lines_write_what_serde_json_writes() {
        let mut out = Out::to(Vec::new(), false);
        let ints = [0, 7, -1, 10, 1_234_567, i64::MAX, i64::MIN, -i64::MAX];
        for n in ints {
            out.object()
                .field("n", &n)
                .unwrap()
                .str("none", None)
                .unwrap()
                .str("s", Some("a\"b\u{9b}"))
                .unwrap()
                .str("p", Some("plain"))
                .unwrap()
                .raw("raw", "{ \"a\": [1,\n 2] }")
                .unwrap()
                .end()
                .unwrap();
        }
        out.object().end().unwrap();
        let want: String = ints
            .iter()
            .map(|n| {
                let v = serde_json::json!({"n": n, "none": null, "s": "a\"b\u{9b}",
                    "p": "plain", "raw": {"a": [1, 2]}});
                json::to_string(&v) + "\n"
            })
            .collect::<String>()
            + "{}\n";
        assert_eq!(String::from_utf8(out.into_inner().unwrap()).unwrap(), want);
    }

    #[test]
    fn elides_the_middle_and_keeps_the_file_name() {
        assert_eq!(elide_middle("abc", 3), "abc");
        assert_eq!(elide_middle("/a/long/path/file.jsonl", 12), "/a/…le.jsonl");
        assert_eq!(width(&elide_middle("/a/long/path/file.jsonl", 12)), 12);
        assert_eq!(elide_middle("abcdef", 1), "…");
        assert_eq!(elide_middle("abcdef", 0), "");
    }

    #[test]
    fn truncates_with_ellipsis() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
    }
}
