// placeholder until the jsan module lands (being written now)
pub fn resolve(root: serde_json::Value) -> serde_json::Value {
    root
}
pub fn has_markers(_v: &serde_json::Value) -> bool {
    false
}
