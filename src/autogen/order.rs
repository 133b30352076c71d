//! Foreign-key order for creating and dropping tables: a table is created after the
//! tables it references and dropped before them. Keys inside a cycle cannot follow
//! that order; they are created after all tables (and dropped before any).

use crate::schema::model::Table;

/// The tables in creation order, and the (table, foreign key) positions, relative to
/// the returned order, of keys that close a reference cycle and must be created
/// separately once every table exists.
pub(crate) fn creation_order<'a>(tables: &[&'a Table]) -> (Vec<&'a Table>, Vec<(usize, usize)>) {
    let key = |t: &Table| (t.schema.clone(), t.name.clone());
    let mut remaining: Vec<&'a Table> = tables.to_vec();
    remaining.sort_by_key(|t| key(t));
    let mut done: Vec<&'a Table> = Vec::with_capacity(remaining.len());
    let mut deferred = Vec::new();
    // Whether `fk` of `t` points at a table of `remaining` other than `t` itself.
    let pending = |t: &Table, fk: &crate::schema::model::ForeignKey, remaining: &[&Table]| {
        remaining.iter().any(|r| {
            !(r.name == t.name && r.schema == t.schema)
                && fk.references(t.schema.as_deref(), r.schema.as_deref(), &r.name)
        })
    };
    while !remaining.is_empty() {
        let ready =
            remaining.iter().position(|t| !t.foreign_keys.iter().any(|fk| pending(t, fk, &remaining)));
        // In a cycle: take the first table anyway and defer its pending keys.
        let pos = ready.unwrap_or(0);
        let table = remaining.remove(pos);
        if ready.is_none() {
            for (i, fk) in table.foreign_keys.iter().enumerate() {
                if pending(table, fk, &remaining) {
                    deferred.push((done.len(), i));
                }
            }
        }
        done.push(table);
    }
    (done, deferred)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::model::ForeignKey;

    fn table(name: &str, refs: &[&str]) -> Table {
        let mut t = Table::new(None, name);
        for r in refs {
            t.foreign_keys.push(ForeignKey {
                name: None,
                columns: vec!["x".into()],
                ref_schema: None,
                ref_table: r.to_string(),
                ref_columns: vec!["id".into()],
                on_delete: None,
                on_update: None,
                ..ForeignKey::default()
            });
        }
        t
    }

    #[test]
    fn referenced_tables_first_and_cycles_deferred() {
        let (a, b, c, s) = (table("a", &["b"]), table("b", &["c"]), table("c", &[]), table("s", &["s"]));
        let (order, deferred) = creation_order(&[&a, &b, &c, &s]);
        let names: Vec<&str> = order.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["c", "b", "a", "s"]);
        assert!(deferred.is_empty());
        let (x, y) = (table("x", &["y"]), table("y", &["x"]));
        let (order, deferred) = creation_order(&[&x, &y]);
        let names: Vec<&str> = order.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["x", "y"]);
        assert_eq!(deferred, [(0, 0)]);
    }
}
