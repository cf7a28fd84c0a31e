//! Did you mean: the known word nearest to a mistyped one (a command, a flag,
//! a shell), by edit distance. Pure functions.

/// The most a word may be off to be suggested: two edits (a swap of two
/// neighbours counts as one).
const MAX_DISTANCE: usize = 2;

/// The edit distance between `a` and `b`: insertions, deletions,
/// substitutions and swaps of two neighbouring characters each count one
/// (Damerau-Levenshtein, optimal string alignment), by character.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the table: two back (for swaps), one back, this one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        row[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(row[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            row[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

/// The candidate nearest to `word`, if one is at most two edits away and
/// keeps something of it (`ab` is not a typo of `man`). Ties go to the
/// candidate listed first.
pub(crate) fn nearest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let len = word.chars().count();
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|&(d, _)| d <= MAX_DISTANCE && d < len)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_each_edit_once() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("tail", "tail"), 0);
        assert_eq!(distance("", "man"), 3);
        assert_eq!(distance("man", ""), 3);
        assert_eq!(distance("sesions", "sessions"), 1); // insertion
        assert_eq!(distance("sessionss", "sessions"), 1); // deletion
        assert_eq!(distance("stale", "state"), 1); // substitution
        assert_eq!(distance("cuont", "count"), 1); // a swap is one edit
        assert_eq!(distance("tial", "tail"), 1);
        assert_eq!(distance("wacth", "watch"), 1);
        assert_eq!(distance("wacht", "watch"), 2);
        assert_eq!(distance("sesion", "sessions"), 2);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("ca", "abc"), 3); // optimal string alignment
        assert_eq!(distance("ünï", "uni"), 2); // characters, not bytes
    }

    #[test]
    fn distance_is_symmetric() {
        let words = [
            "", "a", "tail", "tial", "sessions", "sesions", "count", "cuont",
        ];
        for a in words {
            for b in words {
                assert_eq!(distance(a, b), distance(b, a), "{a} {b}");
            }
        }
    }

    #[test]
    fn nearest_suggests_within_two_edits() {
        let commands = [
            "sessions", "list", "tail", "state", "watch", "record", "man",
        ];
        assert_eq!(nearest("sesions", commands), Some("sessions"));
        assert_eq!(nearest("tial", commands), Some("tail"));
        assert_eq!(nearest("stat", commands), Some("state"));
        assert_eq!(nearest("recrod", commands), Some("record"));
        assert_eq!(nearest("sesion", commands), Some("sessions"));
        assert_eq!(nearest("mna", commands), Some("man"));
        // Too far, or nothing left of the word.
        assert_eq!(nearest("frobnicate", commands), None);
        assert_eq!(nearest("sssion", ["tail"]), None);
        assert_eq!(nearest("ab", commands), None);
        assert_eq!(nearest("x", commands), None);
        assert_eq!(nearest("", commands), None);
        assert_eq!(nearest("tail", std::iter::empty()), None);
    }

    #[test]
    fn nearest_prefers_the_closest_then_the_first_listed() {
        // `stae` is one edit from `state` and two from `tail`.
        assert_eq!(nearest("stae", ["tail", "state"]), Some("state"));
        // `cont` is one edit from both: the first listed wins.
        assert_eq!(nearest("cont", ["count", "font"]), Some("count"));
        assert_eq!(nearest("cont", ["font", "count"]), Some("font"));
    }
}
