//! A statement built piece by piece with numbered `$N` placeholders, which
//! both SQLite and PostgreSQL accept (sqlx's own builder writes `?` for the
//! `Any` driver, which PostgreSQL rejects).

use std::fmt::Write;

use sqlx::any::{AnyArguments, AnyQueryResult, AnyRow};
use sqlx::{Any, Arguments, Encode, Executor, Type};

use crate::Backend;

/// SQL text and its arguments.
#[derive(Default)]
pub(crate) struct Sql {
    text: String,
    args: AnyArguments<'static>,
    count: usize,
    /// Anonymous `?` placeholders instead of `$N`: SQLite looks numbered
    /// parameters up by name, linearly, which makes a statement with
    /// thousands of them quadratic.
    anonymous: bool,
}

impl Sql {
    /// Starts with `text`, for the engine `backend`.
    pub fn new(backend: Backend, text: impl Into<String>) -> Sql {
        Sql {
            text: text.into(),
            anonymous: backend == Backend::Sqlite,
            ..Sql::default()
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind<T>(&mut self, value: T) -> &mut Sql
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any>,
    {
        self.count += 1;
        if self.anonymous {
            self.text.push('?');
        } else {
            let _ = write!(self.text, "${}", self.count);
        }
        // Encoding into the Any driver's value list only fails for types it
        // does not know, which the bounds rule out.
        self.args
            .add(value)
            .expect("a value of a type the Any driver encodes");
        self
    }

    /// Appends an optional number: a placeholder, or `NULL` (the `Any`
    /// driver sends a NULL double in a form PostgreSQL rejects).
    pub fn bind_f64(&mut self, value: Option<f64>) -> &mut Sql {
        match value {
            Some(v) => self.bind(v),
            None => self.push("NULL"),
        }
    }

    /// Appends `(a, b), (c, d)…`: one parenthesised group per item, each
    /// filled by `each`.
    pub fn values<I>(
        &mut self,
        items: impl IntoIterator<Item = I>,
        mut each: impl FnMut(&mut Tuple<'_>, I),
    ) -> &mut Sql {
        for (i, item) in items.into_iter().enumerate() {
            self.push(if i == 0 { "(" } else { ", (" });
            let mut t = Tuple {
                sql: self,
                first: true,
            };
            each(&mut t, item);
            self.push(")");
        }
        self
    }

    /// Appends `a, b, c` placeholders for a list.
    pub fn list<T>(&mut self, items: impl IntoIterator<Item = T>) -> &mut Sql
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any>,
    {
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(item);
        }
        self
    }

    /// The statement with `head` (an `EXPLAIN`) before it.
    #[cfg(test)]
    pub fn prefixed(mut self, head: &str) -> Sql {
        self.text.insert_str(0, head);
        self
    }

    /// Runs the statement.
    pub async fn execute<'e, E>(self, executor: E) -> Result<AnyQueryResult, sqlx::Error>
    where
        E: Executor<'e, Database = Any>,
    {
        sqlx::query_with(&self.text, self.args)
            .execute(executor)
            .await
    }

    /// Runs the statement and returns every row.
    pub async fn fetch_all<'e, E>(self, executor: E) -> Result<Vec<AnyRow>, sqlx::Error>
    where
        E: Executor<'e, Database = Any>,
    {
        sqlx::query_with(&self.text, self.args)
            .fetch_all(executor)
            .await
    }

    /// Runs the statement and returns its one row.
    pub async fn fetch_one<'e, E>(self, executor: E) -> Result<AnyRow, sqlx::Error>
    where
        E: Executor<'e, Database = Any>,
    {
        sqlx::query_with(&self.text, self.args)
            .fetch_one(executor)
            .await
    }
}

/// The values of one parenthesised group.
pub(crate) struct Tuple<'a> {
    sql: &'a mut Sql,
    first: bool,
}

impl Tuple<'_> {
    /// Adds one value to the group.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any>,
    {
        if !self.first {
            self.sql.push(", ");
        }
        self.first = false;
        self.sql.bind(value);
        self
    }
}
