//! Every problem in a revision file is an error naming the file, the line and the key.

use crate::{parse, parse_err};

/// Asserts that `text` fails with `versions/x.toml:<line>: ` and every fragment.
#[track_caller]
fn check(text: &str, line: usize, fragments: &[&str]) {
    let err = parse_err(text);
    let prefix = format!("versions/x.toml:{line}: ");
    assert!(err.starts_with(&prefix), "expected {prefix:?} in {err:?}");
    for fragment in fragments {
        assert!(err.contains(fragment), "expected {fragment:?} in {err:?}");
    }
    assert!(!err.contains('\n'), "one line: {err:?}");
}

const HEAD: &str = "revision = \"r\"\n";

fn op(body: &str) -> String {
    format!("{HEAD}\n[[upgrade]]\n{body}")
}

#[test]
fn unknown_keys() {
    check("revision = \"r\"\ncolour = \"red\"\n", 2, &["unknown key `colour`"]);
    check(
        &op("op = \"drop_table\"\ntable = \"t\"\ncolour = 1\n"),
        6,
        &["unknown key `colour` in upgrade[0]"],
    );
    check(
        &op("op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"c\", type = \"text\", colour = 1 }\n"),
        6,
        &["unknown key `colour` in upgrade[0].column"],
    );
    check(
        &op(
            "op = \"add_column\"\ntable = \"t\"\n[upgrade.column]\nname = \"c\"\ntype = \"text\"\nsize = 3\n",
        ),
        9,
        &["unknown key `size` in upgrade[0].column"],
    );
    check(
        &op(
            "op = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"c\", type = \"text\" }]\nchecks = [{ sql = \"c > 0\", when = 1 }]\n",
        ),
        7,
        &["unknown key `when` in upgrade[0].checks[0]"],
    );
    // `dialect` is a `.sql` header key only.
    check("revision = \"r\"\ndialect = \"sqlite\"\n", 2, &["unknown key `dialect`"]);
    check(&op("op = \"frobnicate\"\n"), 4, &["`upgrade[0].op`", "unknown op \"frobnicate\""]);
}

#[test]
fn wrong_types() {
    check("revision = 12\n", 1, &["`revision` must be a string"]);
    check("revision = \"r\"\n\n\ntransactional = \"no\"\n", 4, &["`transactional` must be true or false"]);
    check("revision = \"r\"\ndown_revision = 3\n", 2, &["`down_revision`", "string or an array"]);
    check("revision = \"r\"\ndepends_on = [\"a\", 1]\n", 2, &["`depends_on[1]` must be a string"]);
    check("revision = \"r\"\nbatch = \"sometimes\"\n", 2, &["`batch`", "\"sometimes\""]);
    check("revision = \"r\"\nupgrade = \"drop everything\"\n", 2, &["`upgrade` must be an array of tables"]);
    check("revision = \"r\"\nupgrade = [1]\n", 2, &["`upgrade[0]` must be a table"]);
    check(&op("op = 3\n"), 4, &["`upgrade[0].op` must be a string"]);
    check(
        &op(
            "op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"c\", type = \"text\", nullable = \"yes\" }\n",
        ),
        6,
        &["`upgrade[0].column.nullable`", "expected a boolean"],
    );
    check(&op("op = \"drop_table\"\ntable = 7\n"), 5, &["`upgrade[0].table`", "expected a string"]);
    check(
        &op("op = \"create_index\"\nname = \"ix\"\ntable = \"t\"\ncolumns = \"c\"\n"),
        7,
        &["`upgrade[0].columns`", "expected a sequence"],
    );
    check(
        &op("op = \"alter_column\"\ntable = \"t\"\ncolumn = \"c\"\nserver_default = true\n"),
        7,
        &["`upgrade[0].server_default`", "false to drop it"],
    );
    check(&op("op = \"bulk_insert\"\ntable = \"t\"\nrows = [1, 2]\n"), 6, &["`upgrade[0].rows"]);
}

#[test]
fn missing_keys() {
    check("message = \"no id\"\n", 1, &["missing key `revision`"]);
    check(&op("table = \"t\"\n"), 3, &["missing key `op` in upgrade[0]"]);
    check(&op("op = \"drop_table\"\n"), 3, &["missing key `table` in upgrade[0]"]);
    check(
        &op("op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"c\" }\n"),
        6,
        &["missing key `type` in upgrade[0].column"],
    );
    check(
        &op(
            "op = \"create_foreign_key\"\nname = \"fk\"\ntable = \"t\"\ncolumns = [\"a\"]\nref_columns = [\"b\"]\n",
        ),
        3,
        &["missing key `ref_table` in upgrade[0]"],
    );
    check(&op("op = \"execute\"\n"), 3, &["`upgrade[0]`", "execute needs `sql`"]);
}

#[test]
fn bad_revision_ids() {
    check(
        "revision = \"a-b\"\n",
        1,
        &["`revision`", "Character(s) '-' not allowed in revision identifier 'a-b'"],
    );
    check("revision = \"x@y+z:w\"\n", 1, &["Character(s) '+, :, @' not allowed"]);
    check("revision = \"\"\n", 1, &["`revision`", "empty"]);
    check("revision = \"a b\"\n", 1, &["`revision`", "whitespace"]);
    check("revision = \"r\"\ndown_revision = [\"ok\", \"head-1\"]\n", 2, &["`down_revision`", "'head-1'"]);
    check("revision = \"r\"\nbranch_labels = [\"\"]\n", 2, &["`branch_labels`"]);
}

#[test]
fn revision_ids_that_cannot_be_stored_or_be_file_names() {
    let long = "a".repeat(33);
    check(&format!("revision = \"{long}\"\n"), 1, &["`revision`", "33 characters", "at most 32"]);
    assert!(parse(&format!("revision = \"{}\"\n", "a".repeat(32))).is_ok(), "32 characters fit");
    check("revision = \"a/b\"\n", 1, &["`revision`", "path separators"]);
    check("revision = \"a\\\\b\"\n", 1, &["`revision`", "path separators"]);
    check("revision = \"..\"\n", 1, &["`revision`", "'..' is not a revision identifier"]);
    check("revision = \".\"\n", 1, &["`revision`", "'.' is not a revision identifier"]);
    // Control characters are refused and shown escaped, so the message stays one line.
    let err = parse_err("revision = \"a\\u0007\\nb\"\n");
    assert!(err.contains("control characters") && err.contains("a\\u{7}\\nb"), "{err}");
    assert!(!err.contains('\u{7}') && !err.contains("a\nb"), "{err:?}");
    check(&format!("revision = \"r\"\ndown_revision = \"{long}\"\n"), 2, &["`down_revision`", "at most 32"]);
}

#[test]
fn repeated_list_entries() {
    check(
        "revision = \"r\"\ndown_revision = [\"c3\", \"c3\"]\n",
        2,
        &["`down_revision`", "\"c3\" is listed twice"],
    );
    check(
        "revision = \"r\"\nbranch_labels = [\"x\", \"y\", \"x\"]\n",
        2,
        &["`branch_labels`", "\"x\" is listed twice"],
    );
    check("revision = \"r\"\ndepends_on = [\"d\", \"d\"]\n", 2, &["`depends_on`", "\"d\" is listed twice"]);
    assert!(parse("revision = \"r\"\ndown_revision = [\"a\", \"b\"]\n").is_ok());
}

#[test]
fn invalid_values() {
    check(
        &op("op = \"drop_constraint\"\nname = \"c\"\ntable = \"t\"\ntype = \"foreign\"\n"),
        7,
        &["`upgrade[0].type`", "unknown value `foreign`", "`foreignkey`"],
    );
    check(&op("op = \"drop_table\"\ntable = \"\"\n"), 5, &["`upgrade[0].table`", "must not be empty"]);
    check(
        &op(
            "op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"c\", type = \"integer\", foreign_key = \"users\" }\n",
        ),
        6,
        &["`upgrade[0].column.foreign_key`", "\"table.column\""],
    );
    check(
        &op("op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"c\", type = \"varchar(abc)\" }\n"),
        6,
        &["`upgrade[0].column.type`", "varchar(abc)"],
    );
    check(
        &op("op = \"create_index\"\nname = \"ix\"\ntable = \"t\"\ncolumns = []\n"),
        7,
        &["`upgrade[0].columns`", "at least one"],
    );
    check(
        &op(
            "op = \"create_foreign_key\"\nname = \"fk\"\ntable = \"t\"\ncolumns = [\"a\"]\nref_table = \"u\"\nref_columns = [\"b\"]\non_delete = \"explode\"\n",
        ),
        10,
        &["`upgrade[0].on_delete`", "explode"],
    );
    check(
        &op("op = \"alter_column\"\ntable = \"t\"\ncolumn = \"c\"\n"),
        3,
        &["`upgrade[0]`", "changes nothing"],
    );
}

#[test]
fn cross_key_rules_point_at_the_key() {
    let table = |extra: &str| {
        op(&format!(
            "op = \"create_table\"\ntable = \"t\"\ncolumns = [\n  {{ name = \"id\", type = \"integer\" }},\n  {{ name = \"n\", type = \"text\" }},\n]\n{extra}"
        ))
    };
    check(
        &op(
            "op = \"create_table\"\ntable = \"t\"\ncolumns = [\n  { name = \"id\", type = \"integer\" },\n  { name = \"id\", type = \"text\" },\n]\n",
        ),
        8,
        &["`upgrade[0].columns[1].name`", "duplicate column `id`"],
    );
    check(&table("primary_key = [\"nope\"]\n"), 10, &["`upgrade[0].primary_key[0]`", "no column `nope`"]);
    check(
        &table(
            "indexes = [\n  { name = \"ix\", columns = [\"n\"] },\n  { name = \"ix2\", columns = [\"zz\"] },\n]\n",
        ),
        12,
        &["`upgrade[0].indexes[1].columns[0]`", "no column `zz`"],
    );
    check(
        &op("op = \"create_table\"\ntable = \"t\"\ncolumns = []\n"),
        6,
        &["`upgrade[0].columns`", "at least one column"],
    );
    check(
        &op(
            "op = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"id\", type = \"integer\", primary_key = true, nullable = true }\n",
        ),
        6,
        &["`upgrade[0].column.nullable`", "primary key"],
    );
    check(
        &op(
            "op = \"create_foreign_key\"\nname = \"fk\"\ntable = \"t\"\ncolumns = [\"a\", \"b\"]\nref_table = \"u\"\nref_columns = [\"x\"]\n",
        ),
        9,
        &["`upgrade[0].ref_columns`", "as many columns"],
    );
}

#[test]
fn toml_syntax_errors() {
    check("revision = \"r\"\nrevision = \"s\"\n", 2, &["invalid TOML", "duplicate key `revision`"]);
    check("revision = \"r\"\nmessage = \"unterminated\n", 2, &["invalid TOML"]);
    check("revision = \"r\"\n[[upgrade]\n", 2, &["invalid TOML"]);
}

#[test]
fn downgrade_errors_name_the_downgrade_section() {
    check(
        "revision = \"r\"\n[[downgrade]]\nop = \"drop_table\"\ntable = \"a\"\n[[downgrade]]\nop = \"drop_table\"\ntabel = \"b\"\n",
        7,
        &["unknown key `tabel` in downgrade[1]"],
    );
}
