//! Hostile jsan, built from a stream of choices: tags nested in tags,
//! references to big strings, long and deep reference paths, references in
//! circles, fan-out chains. The fuzz target `jsan_resolver` and the unit
//! tests drive the resolver with it (random bytes would never spell a tag
//! inside a tag's escaped text).

/// JSON string literal text for `s`, writing `\` and `"` as `\u005c` and
/// `\u0022`: a tag nested k deep then costs O(k²) bytes, not O(2^k).
pub fn quote_flat(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\u005c"),
            '"' => out.push_str("\\u0022"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Set tag holding a Map tag holding a Set tag ... `levels` deep around
/// `inside` (JSON text), as JSON text. Each tag's value sits 120 arrays deep
/// in its text, within what any JSON parser takes, so a resolver that starts
/// each tag at depth 0 goes 120 × `levels` deep.
pub fn nested_tags(levels: usize, inside: &str) -> String {
    let (open, close) = ("[".repeat(120), "]".repeat(120));
    let mut text = inside.to_string();
    for i in 0..levels {
        let inner = if i % 2 == 0 {
            format!("l[{open}{text}{close}]")
        } else {
            format!("m[[\"k\",{open}{text}{close}]]")
        };
        text = format!("{{\"$jsan\":{}}}", quote_flat(&inner));
    }
    text
}

/// A document of jsan text built from `choices` (each byte one choice; zeros
/// once they run out).
pub fn document(choices: &[u8]) -> String {
    let mut it = choices.iter().copied();
    let mut next = move || it.next().unwrap_or(0);
    let big = "x".repeat([0, 1 << 10, 1 << 14, 1 << 16][usize::from(next() % 4)]);
    let key = "k".repeat([1, 100, 1000, 4096][usize::from(next() % 4)]);
    let tag_levels = usize::from(next() % 64);
    let chain = usize::from(next() % 24);
    let deep = usize::from(next() % 120);
    let refs = usize::from(next());

    let mut doc = format!("{{\"big\":{},{}:1", quote_flat(&big), quote_flat(&key));
    let mut nest = String::from("1");
    for _ in 0..deep {
        nest = format!("{{\"a\":{nest}}}");
    }
    doc.push_str(&format!(",\"deep\":{nest}"));
    let tagged = nested_tags(tag_levels, "{\"$jsan\":\"$.big\"}");
    doc.push_str(&format!(",\"tags\":{tagged}"));
    doc.push_str(",\"l0\":[1,2,3]");
    for i in 1..=chain {
        let r = format!("{{\"$jsan\":\"$.l{}\"}}", i - 1);
        doc.push_str(&format!(",\"l{i}\":{{\"a\":{r},\"b\":{r}}}"));
    }
    let deep_path = format!("$.deep{}", ".a".repeat(deep));
    doc.push_str(",\"refs\":[");
    for i in 0..refs {
        if i > 0 {
            doc.push(',');
        }
        let target = match next() % 9 {
            0 => "$.big".to_string(),
            1 => format!("$.{key}"),
            2 => format!("$[{}]", quote_flat(&key)),
            3 => format!("$.l{chain}"),
            4 => "$".to_string(),
            5 => format!("$.refs[{i}]"),
            6 => "$.tags".to_string(),
            7 => deep_path.clone(),
            _ => format!("$.nowhere.{key}"),
        };
        doc.push_str(&format!("{{\"$jsan\":{}}}", quote_flat(&target)));
    }
    doc.push_str("]}");
    doc
}

/// `n` choices from a seed (xorshift), for tests that want many documents
/// without a fuzzer; the seed moves on.
pub fn choices(seed: &mut u64, n: usize) -> Vec<u8> {
    (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            (*seed >> 24) as u8
        })
        .collect()
}
