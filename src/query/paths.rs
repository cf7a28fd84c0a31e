//! State paths as users type them: jq style (`.todos[0].title`,
//! `todos[0].title`, `.["odd key"]`, `.`) or a JSON Pointer (`/todos/0/title`).

use std::fmt;

use serde_json::Value;

use crate::rawjson::kind_of;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub(crate) text: String,
    pub segs: Vec<Seg>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    pub(crate) text: String,
    /// Character index of the offending character.
    pub(crate) pos: usize,
    pub(crate) msg: String,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = crate::output::sanitize(&self.text);
        write!(
            f,
            "invalid path {shown:?}: {} at character {}\n  {shown}\n  {}^",
            self.msg,
            self.pos + 1,
            " ".repeat(self.pos)
        )
    }
}

impl std::error::Error for PathError {}

/// Why a lookup failed, and how far it got.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    /// Canonical form of the longest prefix that exists (`.` if none).
    pub(crate) found: String,
    /// Canonical form of the first prefix that does not.
    pub(crate) missing_at: String,
    pub(crate) reason: String,
}

fn is_ident_char(c: char) -> bool {
    !matches!(c, '.' | '[' | ']' | '"' | '\'') && !c.is_whitespace()
}

pub fn parse(text: &str) -> Result<Path, PathError> {
    let chars: Vec<char> = text.chars().collect();
    let err = |pos: usize, msg: &str| PathError {
        text: text.to_string(),
        pos,
        msg: msg.to_string(),
    };
    if text.is_empty() {
        return Ok(Path {
            text: String::new(),
            segs: Vec::new(),
        });
    }
    if chars[0] == '/' {
        return parse_pointer(text);
    }
    let mut segs = Vec::new();
    let mut i = 0;
    // A leading bare key: `todos[0]`.
    if chars[0] != '.' && chars[0] != '[' {
        let start = i;
        while i < chars.len() && is_ident_char(chars[i]) {
            i += 1;
        }
        if i == start {
            return Err(err(0, "unexpected character"));
        }
        segs.push(key_or_index(chars[start..i].iter().collect()));
    } else if chars == ['.'] {
        return Ok(Path {
            text: text.to_string(),
            segs,
        });
    }
    while i < chars.len() {
        match chars[i] {
            '.' => {
                i += 1;
                if i < chars.len() && chars[i] == '[' {
                    continue; // `.["key"]`, `.[0]`
                }
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                if i == start {
                    let msg = if i == chars.len() {
                        "a key must follow the dot"
                    } else {
                        "empty key after a dot"
                    };
                    let at = if i == chars.len() { i - 1 } else { i };
                    return Err(err(at, msg));
                }
                segs.push(key_or_index(chars[start..i].iter().collect()));
            }
            '[' => {
                let open = i;
                i += 1;
                match chars.get(i) {
                    Some('"') => {
                        let (key, next) = parse_string(&chars, i).map_err(|(p, m)| err(p, &m))?;
                        i = next;
                        segs.push(Seg::Key(key));
                    }
                    Some(c) if c.is_ascii_digit() => {
                        let start = i;
                        while i < chars.len() && chars[i].is_ascii_digit() {
                            i += 1;
                        }
                        let n: String = chars[start..i].iter().collect();
                        let n = n
                            .parse::<usize>()
                            .map_err(|_| err(start, "index too large"))?;
                        segs.push(Seg::Index(n));
                    }
                    Some('-') => return Err(err(i, "negative indexes are not supported")),
                    None => return Err(err(open, "unclosed [")),
                    Some(_) => {
                        return Err(err(i, "expected a number or a \"quoted key\" inside [ ]"));
                    }
                }
                match chars.get(i) {
                    Some(']') => i += 1,
                    None => return Err(err(open, "unclosed [")),
                    Some(_) => return Err(err(i, "expected ]")),
                }
            }
            c if c.is_whitespace() => {
                return Err(err(i, "whitespace in a path (quote odd keys: .[\"a b\"])"));
            }
            _ => return Err(err(i, "unexpected character (expected . or [)")),
        }
    }
    Ok(Path {
        text: text.to_string(),
        segs,
    })
}

/// `.5` is index 5 on an array (and key "5" on an object).
fn key_or_index(k: String) -> Seg {
    match k.parse::<usize>() {
        Ok(n) if n.to_string() == k => Seg::Index(n),
        _ => Seg::Key(k),
    }
}

/// A JSON-style double-quoted string starting at `chars[at]`; returns the
/// string and the index after the closing quote.
fn parse_string(chars: &[char], at: usize) -> Result<(String, usize), (usize, String)> {
    let mut out = String::new();
    let mut i = at + 1;
    loop {
        match chars.get(i) {
            None => return Err((at, "unterminated string".into())),
            Some('"') => return Ok((out, i + 1)),
            Some('\\') => {
                match chars.get(i + 1) {
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some('/') => out.push('/'),
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some('b') => out.push('\u{8}'),
                    Some('f') => out.push('\u{c}'),
                    Some('u') => {
                        let hex: String = chars.get(i + 2..i + 6).unwrap_or(&[]).iter().collect();
                        let c = u32::from_str_radix(&hex, 16)
                            .ok()
                            .filter(|_| hex.len() == 4)
                            .and_then(char::from_u32);
                        out.push(c.ok_or((i, "bad \\u escape".to_string()))?);
                        i += 6;
                        continue;
                    }
                    _ => return Err((i + 1, "bad escape".into())),
                }
                i += 2;
            }
            Some(c) => {
                out.push(*c);
                i += 1;
            }
        }
    }
}

fn parse_pointer(text: &str) -> Result<Path, PathError> {
    let mut segs = Vec::new();
    let mut pos = 1;
    for token in text[1..].split('/') {
        let mut key = String::new();
        let mut chars = token.chars().peekable();
        let mut p = pos;
        while let Some(c) = chars.next() {
            if c == '~' {
                match chars.next() {
                    Some('0') => key.push('~'),
                    Some('1') => key.push('/'),
                    _ => {
                        return Err(PathError {
                            text: text.to_string(),
                            pos: p,
                            msg: "~ must be followed by 0 or 1 in a JSON Pointer".into(),
                        });
                    }
                }
                p += 2;
            } else {
                key.push(c);
                p += 1;
            }
        }
        pos += token.chars().count() + 1;
        segs.push(key_or_index(key));
    }
    Ok(Path {
        text: text.to_string(),
        segs,
    })
}

fn simple_key(k: &str) -> bool {
    let mut cs = k.chars();
    cs.next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && k.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// The canonical jq form of a path prefix: `.todos[0].title`, `.["odd key"]`, `.`.
pub(crate) fn display_segs(segs: &[Seg]) -> String {
    if segs.is_empty() {
        return ".".into();
    }
    let mut s = String::new();
    for seg in segs {
        match seg {
            Seg::Key(k) if simple_key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Key(k) => {
                s.push_str(".[");
                s.push_str(&serde_json::to_string(k).unwrap_or_default());
                s.push(']');
            }
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

impl Path {
    #[cfg(test)]
    pub(crate) fn is_root(&self) -> bool {
        self.segs.is_empty()
    }

    pub fn display(&self) -> String {
        display_segs(&self.segs)
    }
}

pub fn lookup<'a>(root: &'a Value, path: &Path) -> Result<&'a Value, Missing> {
    let mut cur = root;
    for (n, seg) in path.segs.iter().enumerate() {
        let next = match (cur, seg) {
            (Value::Object(o), Seg::Key(k)) => o.get(k),
            (Value::Object(o), Seg::Index(i)) => o.get(&i.to_string()),
            (Value::Array(a), Seg::Index(i)) => a.get(*i),
            (Value::Array(a), Seg::Key(k)) => k.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        };
        match next {
            Some(v) => cur = v,
            None => {
                let reason = match (cur, seg) {
                    (Value::Object(o), _) => {
                        let name = match seg {
                            Seg::Key(k) => k.clone(),
                            Seg::Index(i) => i.to_string(),
                        };
                        let mut keys: Vec<&str> = o.keys().map(String::as_str).take(8).collect();
                        if o.len() > 8 {
                            keys.push("…");
                        }
                        if keys.is_empty() {
                            format!("no key {name:?} (the object is empty)")
                        } else {
                            format!("no key {name:?} (keys: {})", keys.join(", "))
                        }
                    }
                    (Value::Array(a), Seg::Index(i)) => {
                        format!("index {i} out of range (length {})", a.len())
                    }
                    (Value::Array(_), Seg::Key(k)) => {
                        format!("cannot look up key {k:?} in an array")
                    }
                    (other, Seg::Index(i)) => format!("cannot index {} with [{i}]", kind_of(other)),
                    (other, Seg::Key(k)) => {
                        format!("cannot look up key {k:?} in {}", kind_of(other))
                    }
                };
                return Err(Missing {
                    found: display_segs(&path.segs[..n]),
                    missing_at: display_segs(&path.segs[..=n]),
                    reason: crate::output::sanitize(&reason).into_owned(),
                });
            }
        }
    }
    Ok(cur)
}

#[cfg(test)]
mod tests;
