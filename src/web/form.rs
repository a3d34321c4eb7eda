//! A submitted form as its (name, value) pairs, in order: forms with repeated fields (item
//! lines, multiple selections) are read through this instead of a fixed struct.

pub struct Pairs<'a>(pub &'a [(String, String)]);

impl Pairs<'_> {
    /// The first value of `name`, as sent.
    pub fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    /// The first value of `name`, empty when absent.
    pub fn one(&self, name: &str) -> String {
        self.get(name).unwrap_or_default()
    }

    /// The first value of `name` unless absent or blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.trim().is_empty())
    }

    /// Every non-blank value of `name` (checkboxes, multiple selections).
    pub fn many(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_repeated_and_blank_fields() {
        let raw = vec![
            ("a".to_string(), " ".to_string()),
            ("u".into(), "1".into()),
            ("u".into(), "".into()),
            ("u".into(), "2".into()),
        ];
        let p = Pairs(&raw);
        assert_eq!(p.get("a").as_deref(), Some(" "));
        assert_eq!(p.opt("a"), None);
        assert_eq!(p.one("zz"), "");
        assert_eq!(p.many("u"), ["1", "2"]);
    }
}
