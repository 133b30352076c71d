//! The foreign key check of an online SQLite step: which tables a step can leave with
//! rows that reference missing rows, and the `PRAGMA foreign_key_check` that looks.
//!
//! A SQLite table rebuild drops and recreates tables, which would fire `ON DELETE`
//! actions while foreign keys are enforced, and enforcement cannot change inside a
//! transaction; so when the connection enforces them, [`Migrator::run`] turns
//! enforcement off for the run and checks each step before it commits instead. That
//! check stands in for the enforcement the step's statements would have met, so it
//! looks where they could have broken a reference, not at every table: a check of the
//! whole database walks every table and made each step cost O(tables), the run
//! quadratic in a long history of `create_table`s.
//!
//! What each op can break (and so what is checked):
//! - nothing: `create_table` (a new table is empty), `create_index`, `drop_index`,
//!   comments (a rebuild for them keeps every row and every key);
//! - rows of its own table only: `add_column` (a `REFERENCES` column with a default),
//!   `create_foreign_key`, `create_unique_constraint`, `create_check_constraint`,
//!   `rename_table` (the table under its new name) and `bulk_insert`: the table's own
//!   keys change or it gains rows; rows elsewhere keep the rows they reference;
//! - any table: `drop_table`, `drop_column`, `alter_column`, `create_primary_key`,
//!   `drop_constraint` and `delete_rows` can remove or change the rows or keys other tables reference,
//!   and those other tables may be unknown to the model (made by raw SQL); `execute`
//!   is opaque. A table the step names that is gone by its end is also a reason to
//!   check everything.
//!
//! [`Migrator::run`]: super::migrate::Migrator::run

use super::connection::{Backend, DbError};
use crate::ops::Op;
use crate::schema::Schema;

/// Where a step's foreign key check looks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope<'a> {
    /// The step cannot break a reference: no check.
    Nothing,
    /// The foreign keys of these tables, as (schema, name), without repeats.
    Tables(Vec<(Option<&'a str>, &'a str)>),
    /// Every table (`PRAGMA foreign_key_check` without a table).
    All,
}

/// The check that `ops` need, `after` being the model once they have run.
pub(crate) fn scope<'a>(ops: &'a [Op], after: &Schema) -> Scope<'a> {
    let mut tables: Vec<(Option<&'a str>, &'a str)> = Vec::new();
    for op in ops {
        let own = match op {
            Op::CreateTable(_)
            | Op::CreateIndex(_)
            | Op::DropIndex(_)
            | Op::CreateTableComment(_)
            | Op::DropTableComment(_)
            // Views, triggers, functions… hold no rows that reference others.
            | Op::CreateObject(_)
            | Op::DropObject(_) => continue,
            Op::AddColumn(o) => o.table.as_str(),
            Op::CreateForeignKey(o) => o.table.as_str(),
            Op::CreateUniqueConstraint(o) => o.table.as_str(),
            Op::CreateCheckConstraint(o) => o.table.as_str(),
            Op::RenameTable(o) => o.new_name.as_str(),
            Op::BulkInsert(o) => o.table.as_str(),
            Op::DropTable(_)
            | Op::DropColumn(_)
            | Op::AlterColumn(_)
            | Op::CreatePrimaryKey(_)
            | Op::DropConstraint(_)
            // Rows other tables reference may be gone.
            | Op::DeleteRows(_)
            | Op::Execute(_)
            | Op::Call(_) => return Scope::All,
        };
        let key = (op.schema(), own);
        if !tables.contains(&key) {
            tables.push(key);
        }
    }
    if tables.is_empty() {
        return Scope::Nothing;
    }
    // A later op of the step dropped or renamed one: its rows may live on elsewhere.
    if tables.iter().any(|(schema, name)| after.table(*schema, name).is_none()) {
        return Scope::All;
    }
    Scope::Tables(tables)
}

/// The first violation `scope` finds, as (referencing table, referenced table).
pub(crate) async fn first_violation<B: Backend>(
    db: &mut B,
    scope: &Scope<'_>,
) -> Result<Option<(String, String)>, DbError> {
    let imp = db.dialect().imp();
    let statements: Vec<String> = match scope {
        Scope::Nothing => return Ok(None),
        Scope::All => imp.foreign_key_check_sql(None).into_iter().collect(),
        Scope::Tables(tables) => tables
            .iter()
            .filter_map(|(schema, name)| imp.foreign_key_check_sql(Some((*schema, name))))
            .collect(),
    };
    for sql in statements {
        let rows = db.query_rows(&sql).await?;
        if let Some(row) = rows.first() {
            let table = row.first().cloned().flatten().unwrap_or_default();
            let parent = row.get(2).cloned().flatten().unwrap_or_default();
            return Ok(Some((table, parent)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::apply::replay;

    fn ops(upgrade: &str) -> Vec<Op> {
        let text = format!("revision = \"a1\"\ndown_revision = \"\"\n\n{upgrade}");
        crate::script::RevisionScript::parse_toml(std::path::Path::new("a1.toml"), &text).unwrap().upgrade
    }

    const PARENT: &str = "[[upgrade]]\nop = \"create_table\"\ntable = \"p\"\ncolumns = [{ name = \"id\", type = \"integer\", primary_key = true }]\n\n";

    #[test]
    fn creating_tables_and_indexes_needs_no_check() {
        let ops = ops(&format!(
            "{PARENT}[[upgrade]]\nop = \"create_index\"\nname = \"ix\"\ntable = \"p\"\ncolumns = [\"id\"]\n"
        ));
        let after = replay(&ops).unwrap();
        assert_eq!(scope(&ops, &after), Scope::Nothing);
        assert_eq!(scope(&[], &after), Scope::Nothing);
    }

    #[test]
    fn a_new_key_or_new_rows_check_their_own_table_once() {
        let ops = ops(&format!(
            "{PARENT}[[upgrade]]\nop = \"create_table\"\ntable = \"c\"\nschema = \"aux\"\ncolumns = [{{ name = \"p_id\", type = \"integer\" }}]\n\n\
             [[upgrade]]\nop = \"create_foreign_key\"\nname = \"fk\"\ntable = \"c\"\nschema = \"aux\"\ncolumns = [\"p_id\"]\nref_table = \"p\"\nref_columns = [\"id\"]\n\n\
             [[upgrade]]\nop = \"bulk_insert\"\ntable = \"c\"\nschema = \"aux\"\nrows = [{{ p_id = 1 }}]\n"
        ));
        let after = replay(&ops).unwrap();
        assert_eq!(scope(&ops, &after), Scope::Tables(vec![(Some("aux"), "c")]));
        let check = |table| crate::dialect::Dialect::Sqlite.imp().foreign_key_check_sql(table);
        assert_eq!(check(Some((Some("aux"), "c"))).unwrap(), "PRAGMA aux.foreign_key_check('c')");
        assert_eq!(check(Some((None, "it's"))).unwrap(), "PRAGMA foreign_key_check('it''s')");
        assert_eq!(check(None).unwrap(), "PRAGMA foreign_key_check");
    }

    #[test]
    fn changing_what_others_reference_checks_everything() {
        for op in [
            "[[upgrade]]\nop = \"drop_table\"\ntable = \"p\"\n",
            "[[upgrade]]\nop = \"alter_column\"\ntable = \"p\"\ncolumn = \"id\"\nnullable = false\n",
            "[[upgrade]]\nop = \"execute\"\nsql = \"DELETE FROM p\"\n",
        ] {
            let ops = ops(&format!("{PARENT}{op}"));
            let after = replay(&ops).unwrap();
            assert_eq!(scope(&ops, &after), Scope::All, "{op}");
        }
    }

    #[test]
    fn a_checked_table_gone_by_the_end_checks_everything() {
        let ops = ops(&format!(
            "{PARENT}[[upgrade]]\nop = \"add_column\"\ntable = \"p\"\ncolumn = {{ name = \"x\", type = \"integer\" }}\n\n\
             [[upgrade]]\nop = \"rename_table\"\ntable = \"p\"\nnew_name = \"q\"\n"
        ));
        let after = replay(&ops).unwrap();
        assert_eq!(scope(&ops, &after), Scope::All);
    }
}
