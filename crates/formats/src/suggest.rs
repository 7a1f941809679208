//! "Did you mean …?": the valid name nearest to a misspelt one, so an error can name the fix.

/// The candidate closest to `word` by edit distance (case-insensitive), if it is close enough to
/// be a likely misspelling: at most a third of the longer name's characters differ.
pub fn nearest_name<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .iter()
        .map(|candidate| {
            let distance = strsim::damerau_levenshtein(&word, &candidate.to_lowercase());
            (distance, *candidate)
        })
        .filter(|(distance, candidate)| {
            let longest = word.chars().count().max(candidate.chars().count());
            *distance > 0 && *distance * 3 <= longest.max(3)
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `; did you mean 'x'?` when a near name exists, else the list of valid names.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match nearest_name(word, candidates) {
        Some(near) => format!("; did you mean '{near}'?"),
        None => format!("; valid names: {}", candidates.join(", ")),
    }
}

/// Rewrites serde's "unknown field `gird`, expected one of `id`, `grid`" (and the same for
/// variants) as "unknown field 'gird'; did you mean 'grid'?"; other messages pass unchanged.
pub fn explain_unknown_name(message: &str) -> String {
    let Some((what, rest)) = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| {
            message
                .strip_prefix(prefix)
                .map(|rest| (&prefix[..prefix.len() - 2], rest))
        })
    else {
        return message.to_string();
    };
    let Some((word, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    if candidates.is_empty() {
        return format!("{what} '{word}'{}", expected.trim_end_matches(['.', ' ']));
    }
    format!("{what} '{word}'{}", did_you_mean(word, &candidates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_transpositions_and_refuses_far_names() {
        let keys = ["id", "name", "kind", "home", "grid", "capabilities"];
        assert_eq!(nearest_name("gird", &keys), Some("grid"));
        assert_eq!(nearest_name("Capabilites", &keys), Some("capabilities"));
        assert_eq!(nearest_name("place", &["places", "units"]), Some("places"));
        assert_eq!(nearest_name("zzzzzz", &keys), None);
        assert_eq!(
            nearest_name("grid", &keys),
            None,
            "an exact name is no misspelling"
        );
        assert_eq!(
            did_you_mean("colour", &["a", "b"]),
            "; valid names: a, b".to_string()
        );
    }

    #[test]
    fn serde_unknown_names_get_a_suggestion() {
        assert_eq!(
            explain_unknown_name("unknown field `gird`, expected one of `id`, `grid`, `home`"),
            "unknown field 'gird'; did you mean 'grid'?"
        );
        assert_eq!(
            explain_unknown_name("unknown variant `patrol_cr`, expected `patrol_car` or `foot`"),
            "unknown variant 'patrol_cr'; did you mean 'patrol_car'?"
        );
        assert_eq!(
            explain_unknown_name("unknown field `x`, there are no fields"),
            "unknown field 'x', there are no fields"
        );
        assert_eq!(
            explain_unknown_name("missing field `id`"),
            "missing field `id`"
        );
    }
}
