//! `history --graph`: the revision DAG drawn in lanes beside the list, newest first,
//! in the manner of `git log --graph`.
//!
//! Each row marks its revision with `*` (`o` for a base) in the lane that was waiting
//! for it; `|` lanes continue; a merge opens one lane per extra parent (`|\`), and lanes
//! waiting for the same revision (its children, a branch point) join it (`|/`).

use crate::script::revision::RevisionNode;

/// Lines of the drawing: one row per node (the node's text beside it; the extra lines of
/// a multi-line text stay in the lanes), plus connector rows.
pub(super) fn draw<'a>(nodes: &[&'a RevisionNode], text: impl Fn(&'a RevisionNode) -> String) -> Vec<String> {
    // Each lane waits for one revision id.
    let mut lanes: Vec<String> = Vec::new();
    let mut lines = Vec::new();
    for &node in nodes {
        let id = node.revision();
        let col = match lanes.iter().position(|l| l == id) {
            Some(col) => col,
            None => {
                lanes.push(id.to_string());
                lanes.len() - 1
            }
        };
        // Children waiting in other lanes join here.
        let joining: Vec<usize> = (0..lanes.len()).filter(|&i| i != col && lanes[i] == id).collect();
        if !joining.is_empty() {
            let row: String = (0..lanes.len())
                .map(|i| if joining.contains(&i) { if i > col { "/ " } else { "\\ " } } else { "| " })
                .collect();
            lines.push(row.trim_end().to_string());
            for &i in joining.iter().rev() {
                lanes.remove(i);
            }
        }
        let col = lanes.iter().position(|l| l == id).unwrap_or(col);
        let marker = if node.down_revisions().is_empty() { "o" } else { "*" };
        let prefix = |mark: &str| -> String {
            (0..lanes.len()).map(|i| if i == col { format!("{mark} ") } else { "| ".to_string() }).collect()
        };
        let body = text(node);
        let mut body_lines = body.lines();
        lines.push(format!("{}{}", prefix(marker), body_lines.next().unwrap_or("")));
        for extra in body_lines {
            lines.push(format!("{}{}", prefix("|"), extra).trim_end().to_string());
        }
        // The node's lane now waits for its first parent; extra parents get new lanes.
        let parents = node.down_revisions();
        match parents.split_first() {
            None => {
                lanes.remove(col);
            }
            Some((first, rest)) => {
                lanes[col] = first.clone();
                let mut opened = 0;
                for (k, parent) in rest.iter().enumerate() {
                    lanes.insert(col + 1 + k, parent.clone());
                    opened += 1;
                }
                if opened > 0 {
                    let row: String = (0..lanes.len())
                        .map(|i| if i > col && i <= col + opened { "\\ " } else { "| " })
                        .collect();
                    lines.push(row.trim_end().to_string());
                }
            }
        }
    }
    lines
}
