//! Schema changes judged by Python Alembic (issue #10): for each pair of schemas
//! (`before`, `after`) on PostgreSQL, a database made from `before` is adopted
//! (`revision --from-database`, `stamp head`) and `revision --autogenerate` is run with
//! `after` as the declared schema.
//!
//! - What Alembic detects we detect: every difference Python Alembic's
//!   `compare_metadata` reports between the database and `after` has a `Detected` op
//!   of ours on the same table, column or object.
//! - What we detect is real, and applying our revision makes `before` equal `after`:
//!   after `upgrade head`, `pg_dump --schema-only` of our database is `after`'s, Python
//!   Alembic finds no difference, our `check` is clean; and `downgrade` gives `before`
//!   back, by `pg_dump` again.

mod common;
mod support;

use common::Project;

/// The schema each change starts from: two related tables, an enum, a table without a
/// serial key, an index.
const BASE: &str = "
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE authors (id serial PRIMARY KEY, name varchar(50) NOT NULL, email text, born date,
    rating integer DEFAULT 0, bio text, mood mood);
CREATE TABLE books (id serial PRIMARY KEY, author_id integer REFERENCES authors (id),
    title varchar(200) NOT NULL, price numeric(8,2), tags jsonb, published timestamp DEFAULT now());
CREATE INDEX ix_books_title ON books (title);
CREATE TABLE events (id integer PRIMARY KEY, name text);
";

/// `BASE` with each `(from, to)` replaced (each `from` must be there).
fn edit(edits: &[(&str, &str)]) -> String {
    let mut out = BASE.to_string();
    for (from, to) in edits {
        assert!(out.contains(from), "`{from}` is not in the base schema");
        out = out.replacen(from, to, 1);
    }
    out
}

/// `BASE` followed by `extra`.
fn plus(extra: &str) -> String {
    format!("{BASE}{extra}\n")
}

/// Which of our ops (the first word of a `Detected` line) answer a difference of kind
/// `kind` in Python Alembic's terms.
fn ours_for(kind: &str) -> &'static [&'static str] {
    match kind {
        "add_table" => &["create_table"],
        "remove_table" => &["drop_table"],
        "add_column" => &["add_column"],
        "remove_column" => &["drop_column"],
        k if k.starts_with("modify_") => &["alter_column"],
        "add_index" | "add_constraint" => {
            &["create_index", "create_unique_constraint", "create_check_constraint", "create_primary_key"]
        }
        "remove_index" | "remove_constraint" | "remove_fk" => &["drop_index", "drop_constraint"],
        "add_fk" => &["create_foreign_key"],
        "add_table_comment" => &["create_table_comment"],
        "remove_table_comment" => &["drop_table_comment"],
        other => panic!("Python Alembic reports a difference this judge does not know: {other}"),
    }
}

/// Whether one of our `Detected …` lines answers Alembic's `kind table name`.
fn answers(ours: &str, kind: &str, table: &str, name: &str) -> bool {
    let Some((op, what)) = ours.split_once(' ') else { return false };
    if !ours_for(kind).contains(&op) {
        return false;
    }
    let what = what.trim();
    match kind {
        "add_table" | "remove_table" | "add_table_comment" | "remove_table_comment" => what == table,
        "add_column" | "remove_column" => what == format!("{table}.{name}"),
        k if k.starts_with("modify_") => what == format!("{table}.{name}"),
        _ => {
            what.ends_with(&format!(" on {table}")) && (name == "-" || what.starts_with(&format!("{name} ")))
        }
    }
}

/// The whole judgement of one change (see the module documentation).
fn judge_change(before: &str, after: &str) {
    let Some(ours) = support::pg_test_db() else { return };
    let Some(target) = support::pg_test_db() else { return };
    support::psql(&ours.url, before);
    support::psql(&target.url, after);
    let before_dump = support::normalized_dump(&support::pg_dump_schema(&ours.url), "alembic_version");

    let url = ours.database_url().to_string();
    let p = Project::adopting(&url, after, "before");
    let run = |args: &[&str]| p.ok(&[&["--url", url.as_str()], args].concat());

    let alembic = support::python_alembic_changes(&target.url, &ours.url);
    let out = run(&["revision", "--autogenerate", "-m", "change", "--rev-id", "change"]);
    let detected: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("Detected ")).collect();
    assert!(!detected.is_empty(), "no change detected:\n{out}");
    for difference in alembic.iter().flatten() {
        let mut words = difference.split(' ');
        let (kind, table, name) = (words.next().unwrap(), words.next().unwrap(), words.next().unwrap());
        assert!(
            detected.iter().any(|ours| answers(ours, kind, table, name)),
            "Python Alembic detects `{difference}`, we do not; we detect:\n{}",
            detected.join("\n")
        );
    }

    run(&["upgrade", "head"]);
    assert_eq!(run(&["check"]), "No new upgrade operations detected.\n");
    support::assert_same_pg_schema(&ours.url, &target.url);
    support::assert_python_alembic_finds_no_difference(&target.url, &ours.url);

    run(&["downgrade", "before"]);
    assert_eq!(
        support::normalized_dump(&support::pg_dump_schema(&ours.url), "alembic_version"),
        before_dump,
        "downgrade did not give `before` back"
    );
}

/// One test per change, so that they run in parallel.
macro_rules! changes {
    ($($(#[$doc:meta])* $name:ident: $before:expr => $after:expr;)*) => {
        $( $(#[$doc])* #[test] fn $name() { judge_change(&$before, &$after) } )*
    };
}

const REVIEWS: &str = "CREATE TABLE reviews (id serial PRIMARY KEY, book_id integer NOT NULL REFERENCES books (id) ON DELETE CASCADE, stars smallint NOT NULL, body text);";

changes! {
    // Types.
    varchar_widened: BASE => edit(&[("name varchar(50)", "name varchar(120)")]);
    integer_to_bigint: BASE => edit(&[("rating integer", "rating bigint")]);
    numeric_precision_changed: BASE => edit(&[("numeric(8,2)", "numeric(12,3)")]);
    text_to_varchar: BASE => edit(&[("bio text", "bio varchar(500)")]);
    date_to_timestamp: BASE => edit(&[("born date", "born timestamp with time zone")]);
    // Nullability.
    made_not_null: BASE => edit(&[("email text", "email text NOT NULL")]);
    made_nullable: BASE => edit(&[("title varchar(200) NOT NULL", "title varchar(200)")]);
    // Defaults.
    default_added: BASE => edit(&[("born date", "born date DEFAULT CURRENT_DATE")]);
    default_changed: BASE => edit(&[("DEFAULT 0", "DEFAULT 5")]);
    default_dropped: BASE => edit(&[("published timestamp DEFAULT now()", "published timestamp")]);
    // Columns and tables.
    // PostgreSQL adds a column after the others (as Alembic's add_column does), and a
    // dropped column comes back last: the changes are to the last column, so that the
    // table's column order, which `pg_dump` shows, can be the same.
    column_added: BASE => edit(&[("DEFAULT now())", "DEFAULT now(), isbn varchar(13))")]);
    column_dropped: BASE => edit(&[(", published timestamp DEFAULT now()", "")]);
    table_added: BASE => plus(REVIEWS);
    table_dropped: plus(REVIEWS) => BASE;
    // Indexes of every kind.
    index_added: BASE => plus("CREATE INDEX ix_authors_email ON authors (email);");
    index_dropped: BASE => edit(&[("CREATE INDEX ix_books_title ON books (title);", "")]);
    index_made_unique: BASE => edit(&[("CREATE INDEX ix_books_title", "CREATE UNIQUE INDEX ix_books_title")]);
    gin_index_added: BASE => plus("CREATE INDEX ix_books_tags ON books USING gin (tags);");
    index_desc_nulls_last_include: BASE => plus("CREATE INDEX ix_books_price ON books (price DESC NULLS LAST) INCLUDE (title);");
    partial_index_added: BASE => plus("CREATE INDEX ix_books_cheap ON books (price) WHERE price < 10;");
    expression_index_added: BASE => plus("CREATE INDEX ix_authors_lower_name ON authors (lower(name));");
    index_method_changed: plus("CREATE INDEX ix_authors_born ON authors USING hash (born);")
        => plus("CREATE INDEX ix_authors_born ON authors (born);");
    // Unique, check and foreign-key constraints.
    unique_constraint_added: BASE => plus("ALTER TABLE authors ADD CONSTRAINT uq_authors_email UNIQUE (email);");
    unique_constraint_dropped: plus("ALTER TABLE authors ADD CONSTRAINT uq_authors_email UNIQUE (email);") => BASE;
    check_constraint_added: BASE => plus("ALTER TABLE books ADD CONSTRAINT ck_books_price CHECK (price >= 0);");
    foreign_key_added: edit(&[(" REFERENCES authors (id)", "")]) => BASE;
    foreign_key_dropped: BASE => edit(&[(" REFERENCES authors (id)", "")]);
    foreign_key_on_delete_changed: BASE => edit(&[("REFERENCES authors (id)", "REFERENCES authors (id) ON DELETE CASCADE")]);
    foreign_key_made_deferrable: BASE => edit(&[("REFERENCES authors (id)", "REFERENCES authors (id) DEFERRABLE INITIALLY DEFERRED")]);
    primary_key_changed: BASE => edit(&[("events (id integer PRIMARY KEY, name text)", "events (id integer, name text NOT NULL, PRIMARY KEY (id, name))")]);
    // Enums.
    enum_value_added: BASE => edit(&[("'happy', 'sad'", "'happy', 'sad', 'meh'")]);
    enum_value_removed: BASE => edit(&[("'happy', 'sad'", "'happy'")]);
    // Identity and generated columns.
    identity_added: BASE => edit(&[("events (id integer PRIMARY KEY", "events (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY")]);
    identity_dropped: edit(&[("events (id integer PRIMARY KEY", "events (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY")]) => BASE;
    generated_column_added: BASE => edit(&[("DEFAULT now())", "DEFAULT now(), doubled numeric GENERATED ALWAYS AS (price * 2) STORED)")]);
    // Comments and collations.
    column_comment_added: BASE => plus("COMMENT ON COLUMN authors.bio IS 'about the author';");
    table_comment_added: BASE => plus("COMMENT ON TABLE books IS 'the catalogue';");
    collation_changed: BASE => edit(&[("email text", "email text COLLATE \"C\"")]);
    // Views and sequences.
    view_added: BASE => plus("CREATE VIEW cheap_books AS SELECT id, title FROM books WHERE price < 10;");
    view_changed: plus("CREATE VIEW cheap_books AS SELECT id, title FROM books WHERE price < 10;")
        => plus("CREATE VIEW cheap_books AS SELECT id, title, price FROM books WHERE price < 20;");
    sequence_added: BASE => plus("CREATE SEQUENCE order_no START 1000;");
    sequence_changed: plus("CREATE SEQUENCE order_no START 1000;") => plus("CREATE SEQUENCE order_no START 1000 INCREMENT BY 5 MAXVALUE 99999;");
    /// A sequence a default uses cannot be dropped: it is altered in place.
    sequence_used_by_a_default_changed:
        plus("CREATE SEQUENCE order_no START 1000 CYCLE; CREATE TABLE orders (no integer DEFAULT nextval('order_no') NOT NULL);")
        => plus("CREATE SEQUENCE order_no START 1000 INCREMENT BY 5; CREATE TABLE orders (no integer DEFAULT nextval('order_no') NOT NULL);");
}
