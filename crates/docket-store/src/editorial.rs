//! The editorial work on a call's pieces: the queue (filters, full-text search, sort, pages),
//! decisions that reach the author only after an undo window, staff's internal comments, a
//! piece's correspondence, and what editors do with mail kept for triage.
//!
//! Search is the same on both backends: each sent piece's text is folded by
//! [`docket_core::search::fold`] and stored in SQLite's FTS5 table `piece_search` or in
//! PostgreSQL's `piece_index.document` tsvector (through `docket_ext.fold`, accents folded by
//! `unaccent`); each query is built from the same parsed words.

use async_trait::async_trait;
use docket_core::search::{SearchQuery, fold};
use docket_core::submission::{CandidateDays, Piece, SubmissionState};
use jiff::Timestamp;
use jiff::civil::Date;
use sqlx::types::Json;

use crate::backend::{SqlStore, audit, insert_mail, parsed, ts, ts_opt};
use crate::sql::{self, Row, Tx, Value};
use crate::{
    Actor, CallId, InboundOutcome, InboundRecord, NewMail, OutboxMail, SenderTrust, StoreError,
    SubmissionId, UserId,
};

/// What an editor decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionAction {
    Accept,
    RequestChanges,
    Reject,
    /// Takes a rejection back.
    Reconsider,
}

impl DecisionAction {
    pub const ALL: [DecisionAction; 4] = [
        DecisionAction::Accept,
        DecisionAction::RequestChanges,
        DecisionAction::Reject,
        DecisionAction::Reconsider,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionAction::Accept => "accept",
            DecisionAction::RequestChanges => "request_changes",
            DecisionAction::Reject => "reject",
            DecisionAction::Reconsider => "reconsider",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == text)
    }

    /// The transition of the core state machine it makes.
    pub fn transition(self) -> docket_core::submission::Transition {
        use docket_core::submission::Transition as T;
        match self {
            DecisionAction::Accept => T::Accept,
            DecisionAction::RequestChanges => T::RequestChanges,
            DecisionAction::Reject => T::Reject,
            DecisionAction::Reconsider => T::Reconsider,
        }
    }

    /// For people: "Accept".
    pub fn label(self) -> &'static str {
        match self {
            DecisionAction::Accept => "Accept",
            DecisionAction::RequestChanges => "Request changes",
            DecisionAction::Reject => "Reject",
            DecisionAction::Reconsider => "Reconsider",
        }
    }
}

/// A decision as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub id: i64,
    pub submission_id: SubmissionId,
    pub action: DecisionAction,
    pub from: SubmissionState,
    pub to: SubmissionState,
    /// The day a piece is accepted for.
    pub day: Option<Date>,
    /// Until when the author may change the piece after the deadline (changes requested).
    pub open_until: Option<Timestamp>,
    /// Why a decision was changed (for the staff; never mailed).
    pub reason: String,
    /// The editor's words to the author.
    pub note: String,
    pub decided_by: UserId,
    pub decided_by_email: String,
    pub decided_at: Timestamp,
    pub effective_at: Timestamp,
    pub undone_at: Option<Timestamp>,
    pub applied_at: Option<Timestamp>,
    /// Why it never applied: the piece moved meanwhile.
    pub lapsed: Option<String>,
}

impl Decision {
    /// Waiting for its undo window to end.
    pub fn pending(&self) -> bool {
        self.applied_at.is_none() && self.undone_at.is_none() && self.lapsed.is_none()
    }
}

/// A new decision, with the mail written for the author.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub submission_id: SubmissionId,
    pub action: DecisionAction,
    pub from: SubmissionState,
    pub to: SubmissionState,
    pub day: Option<Date>,
    pub open_until: Option<Timestamp>,
    pub reason: String,
    pub note: String,
    pub mail: Option<NewMail>,
    pub decided_by: UserId,
    pub effective_at: Timestamp,
}

/// Length against the kind's advised limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LengthFilter {
    Over,
    Under,
}

/// How the queue is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueSort {
    /// Latest sent first.
    #[default]
    Newest,
    Oldest,
    Title,
    /// Most words first.
    Longest,
}

impl QueueSort {
    pub fn parse(text: &str) -> Self {
        match text {
            "oldest" => QueueSort::Oldest,
            "title" => QueueSort::Title,
            "longest" => QueueSort::Longest,
            _ => QueueSort::Newest,
        }
    }
}

/// What the queue shows.
#[derive(Debug, Clone)]
pub struct QueueQuery {
    pub call_id: CallId,
    /// Empty: every state but draft.
    pub states: Vec<SubmissionState>,
    pub day: Option<Date>,
    pub kind: Option<String>,
    pub late: bool,
    pub length: Option<LengthFilter>,
    /// No decision taken on it yet.
    pub undecided: bool,
    /// Correspondence came in since the last decision on it.
    pub new_mail: bool,
    /// Came by email from a sender Docket could not verify.
    pub not_verified: bool,
    pub search: SearchQuery,
    pub sort: QueueSort,
    pub offset: i64,
    pub limit: i64,
}

impl QueueQuery {
    /// Every sent piece of the call, newest first, 50 at a time.
    pub fn new(call_id: CallId) -> Self {
        Self {
            call_id,
            states: Vec::new(),
            day: None,
            kind: None,
            late: false,
            length: None,
            undecided: false,
            new_mail: false,
            not_verified: false,
            search: SearchQuery::default(),
            sort: QueueSort::default(),
            offset: 0,
            limit: 50,
        }
    }
}

/// One piece in the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    pub id: SubmissionId,
    pub title: String,
    pub kind: String,
    /// Empty: any day.
    pub days: Vec<Date>,
    pub state: SubmissionState,
    pub late: bool,
    pub words: Option<i64>,
    /// `over`, `under` or empty.
    pub length: String,
    pub authors: String,
    pub owner_email: String,
    pub sent_at: Timestamp,
    pub sender_trust: Option<SenderTrust>,
    pub accepted_day: Option<Date>,
    /// A decision in its undo window.
    pub pending: Option<DecisionAction>,
    /// How many reviews, and their scores' sum, lowest and highest.
    pub reviews: i64,
    pub score_sum: i64,
    pub score_min: Option<i64>,
    pub score_max: Option<i64>,
}

impl QueueRow {
    /// The average score, when reviewed.
    pub fn average_score(&self) -> Option<f64> {
        (self.reviews > 0).then(|| self.score_sum as f64 / self.reviews as f64)
    }
}

/// A page of the queue and how many match in all.
#[derive(Debug, Clone, Default)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub total: i64,
}

/// A staff comment on a piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub author_email: String,
    pub body: String,
    pub created_at: Timestamp,
}

/// What the editorial work reads and changes.
#[async_trait]
pub trait Editorial: Send + Sync {
    /// A page of the call's queue.
    async fn queue(&self, query: &QueueQuery) -> Result<QueuePage, StoreError>;

    /// Records a decision in its undo window. Conflict when another decision on the piece is
    /// still pending.
    async fn decide(&self, decision: &NewDecision, now: Timestamp) -> Result<i64, StoreError>;

    /// Undoes a pending decision before its window ends: nothing reaches the author. `Ok(false)`
    /// when it applied, was undone, or its window ended meanwhile.
    async fn undo_decision(&self, id: i64, by: UserId, now: Timestamp) -> Result<bool, StoreError>;

    /// One decision.
    async fn decision(&self, id: i64) -> Result<Option<Decision>, StoreError>;

    /// A piece's decisions, newest first.
    async fn decisions(&self, submission: SubmissionId) -> Result<Vec<Decision>, StoreError>;

    /// Applies every decision whose window has ended, each once and in its own transaction:
    /// the piece moves and the author's mail is queued; a decision whose piece moved meanwhile
    /// lapses. Returns the ids applied.
    async fn apply_due_decisions(&self, now: Timestamp) -> Result<Vec<i64>, StoreError>;

    /// Adds a staff comment.
    async fn add_comment(
        &self,
        submission: SubmissionId,
        author: UserId,
        body: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// A piece's staff comments, oldest first.
    async fn comments(&self, submission: SubmissionId) -> Result<Vec<Comment>, StoreError>;

    /// The mail that came in about a piece, oldest first.
    async fn piece_mail_in(
        &self,
        submission: SubmissionId,
    ) -> Result<Vec<InboundRecord>, StoreError>;

    /// The mail Docket wrote about a piece, oldest first.
    async fn piece_mail_out(&self, submission: SubmissionId)
    -> Result<Vec<OutboxMail>, StoreError>;

    /// Settles a message kept for triage: answered (with `mail`) or dismissed, audited. Conflict
    /// when it is no longer in triage.
    async fn settle_triage(
        &self,
        inbound_id: i64,
        outcome: InboundOutcome,
        note: &str,
        mail: Option<NewMail>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// Stores an editor's copy-edit of an accepted piece as a revision marked as the staff's, and
    /// queues the mail asking the author to approve it. Conflict unless the piece is accepted.
    /// Returns the revision's number.
    async fn copy_edit(
        &self,
        submission: SubmissionId,
        by: UserId,
        piece: &Piece,
        mail: NewMail,
        now: Timestamp,
    ) -> Result<i64, StoreError>;

    /// Moves the copy-edit round from one of `from` to `to` ('approved' by the author,
    /// 'overridden' by an editor with `reason`), audited. `Ok(false)`: it was elsewhere.
    async fn set_copy_edit(
        &self,
        submission: SubmissionId,
        from: &[&str],
        to: &str,
        reason: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// The author answers a copy-edit with their own version: a revision of theirs, and the
    /// round goes back to the editors ('answered'). Conflict unless a copy-edit waits for them.
    async fn answer_copy_edit(
        &self,
        submission: SubmissionId,
        by: UserId,
        piece: &Piece,
        now: Timestamp,
    ) -> Result<i64, StoreError>;

    /// Where the copy-edit round stands: '', 'awaiting_author', 'answered', 'approved' or
    /// 'overridden'.
    async fn copy_edit_state(&self, submission: SubmissionId) -> Result<String, StoreError>;

    /// Keeps an editor's choice (JSON) with a message kept for triage.
    async fn set_refile(&self, inbound_id: i64, json: &str) -> Result<(), StoreError>;

    /// The editor's choice kept with a message, if any.
    async fn refile_of(&self, inbound_id: i64) -> Result<Option<String>, StoreError>;

    /// The accepted day and the open-until date of a piece.
    async fn piece_placement(
        &self,
        submission: SubmissionId,
    ) -> Result<(Option<Date>, Option<Timestamp>), StoreError>;
}

fn days_text(piece: &Piece) -> String {
    match &piece.days {
        Some(CandidateDays::Days(days)) => {
            let mut text = String::from(" ");
            for day in days {
                text.push_str(&day.to_string());
                text.push(' ');
            }
            text
        }
        _ => " any ".to_owned(),
    }
}

fn authors_text(piece: &Piece) -> String {
    piece
        .authors
        .iter()
        .map(|author| author.name.trim())
        .filter(|name| !name.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rewrites a sent piece's row in the index and its searchable text. Called with each revision,
/// in the transaction that stores it.
pub(crate) async fn index_piece(
    tx: &mut Tx,
    id: SubmissionId,
    piece: &Piece,
    now: Timestamp,
) -> Result<(), StoreError> {
    let row = sql::query(
        "SELECT s.call_id, c.document FROM submissions s JOIN calls c ON c.id = s.call_id WHERE s.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let call_id: CallId = row.get("call_id")?;
    let Json(call): Json<docket_core::Call> = row.get("document")?;
    let verdict = docket_core::judge::judge(&call, piece, now, Some(Timestamp::MAX));
    let length = verdict
        .refusals
        .iter()
        .chain(&verdict.warnings)
        .find_map(|finding| {
            use docket_core::judge::Code;
            match finding.code {
                Code::OverLimit(_) | Code::OverAdvised(_) => Some("over"),
                Code::UnderLimit(_) | Code::UnderAdvised(_) => Some("under"),
                _ => None,
            }
        })
        .unwrap_or("");
    // A document's text is its file's.
    let mut body = piece.body.clone();
    if let Some(document) = &piece.document {
        let text: Option<Option<String>> =
            sql::query_scalar("SELECT text FROM assets WHERE id = $1")
                .bind(document.id)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(Some(text)) = text {
            body.push('\n');
            body.push_str(&text);
        }
    }
    let authors = authors_text(piece);
    let words = piece.words.map(|words| words as i64);
    let (title, summary, body_folded, authors_folded) = (
        fold(&piece.title),
        fold(&piece.summary),
        fold(&body),
        fold(&authors),
    );
    sql::query("DELETE FROM piece_index WHERE submission_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if tx.is_postgres() {
        sql::query(
            "INSERT INTO piece_index (submission_id, call_id, title, kind, days, words, length, authors, sent_at, document)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                setweight(to_tsvector('simple', docket_ext.fold($10)), 'A')
                || setweight(to_tsvector('simple', docket_ext.fold($11)), 'B')
                || to_tsvector('simple', docket_ext.fold($12))
                || setweight(to_tsvector('simple', docket_ext.fold($13)), 'A'))",
        )
        .bind(id)
        .bind(call_id)
        .bind(&piece.title)
        .bind(&piece.kind)
        .bind(days_text(piece))
        .bind(words)
        .bind(length)
        .bind(&authors)
        .bind(now)
        .bind(title)
        .bind(summary)
        .bind(body_folded)
        .bind(authors_folded)
        .execute(&mut *tx)
        .await?;
    } else {
        sql::query(
            "INSERT INTO piece_index (submission_id, call_id, title, kind, days, words, length, authors, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(call_id)
        .bind(&piece.title)
        .bind(&piece.kind)
        .bind(days_text(piece))
        .bind(words)
        .bind(length)
        .bind(&authors)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sql::query("DELETE FROM piece_search WHERE rowid = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sql::query(
            "INSERT INTO piece_search (rowid, title, summary, body, authors) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(title)
        .bind(summary)
        .bind(body_folded)
        .bind(authors_folded)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Adds the next revision of a piece outside the contributor's own sending (a copy-edit, or
/// the author's answer to one), indexed for the queue. Returns its number.
async fn add_revision(
    tx: &mut Tx,
    submission: SubmissionId,
    by: UserId,
    piece: &Piece,
    by_staff: bool,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let number: i64 = sql::query_scalar(
        "SELECT COALESCE(MAX(number), 0) + 1 FROM revisions WHERE submission_id = $1",
    )
    .bind(submission)
    .fetch_one(&mut *tx)
    .await?;
    sql::query(
        "INSERT INTO revisions (submission_id, number, content, late, created_by, created_at, by_staff)
         VALUES ($1, $2, $3, FALSE, $4, $5, $6)",
    )
    .bind(submission)
    .bind(number)
    .bind(Json(piece))
    .bind(by)
    .bind(now)
    .bind(by_staff)
    .execute(&mut *tx)
    .await?;
    index_piece(tx, submission, piece, now).await?;
    Ok(number)
}

/// Removes a piece from the search table (SQLite's FTS5 table has no foreign key).
pub(crate) async fn unindex_piece(tx: &mut Tx, id: SubmissionId) -> Result<(), StoreError> {
    if !tx.is_postgres() {
        sql::query("DELETE FROM piece_search WHERE rowid = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Indexes the sent pieces that have no index row yet (those sent before the index existed).
pub(crate) async fn index_missing(store: &SqlStore) -> Result<u64, StoreError> {
    let missing = sql::query(
        "SELECT r.submission_id, r.content, r.created_at FROM revisions r
         JOIN (SELECT submission_id, MAX(number) AS number FROM revisions GROUP BY submission_id) latest
           ON latest.submission_id = r.submission_id AND latest.number = r.number
         WHERE r.submission_id NOT IN (SELECT submission_id FROM piece_index)",
    )
    .fetch_all(&store.pool)
    .await?;
    let mut done = 0;
    for row in &missing {
        let id: SubmissionId = row.get("submission_id")?;
        let Json(piece): Json<Piece> = row.get("content")?;
        let mut tx = store.pool.begin().await?;
        index_piece(&mut tx, id, &piece, ts(row, "created_at")?).await?;
        tx.commit().await?;
        done += 1;
    }
    Ok(done)
}

const DECISION: &str =
    "SELECT d.id, d.submission_id, d.action, d.from_state, d.to_state, d.day, d.open_until,
        d.reason, d.note, d.decided_by, u.email AS decided_by_email, d.decided_at, d.effective_at,
        d.undone_at, d.applied_at, d.lapsed
     FROM decisions d JOIN users u ON u.id = d.decided_by";

fn decision_row(row: &Row) -> Result<Decision, StoreError> {
    let day: Option<String> = row.get("day")?;
    Ok(Decision {
        id: row.get("id")?,
        submission_id: row.get("submission_id")?,
        action: parsed(row, "action", DecisionAction::parse)?,
        from: parsed(row, "from_state", SubmissionState::parse)?,
        to: parsed(row, "to_state", SubmissionState::parse)?,
        day: day.and_then(|day| day.parse().ok()),
        open_until: ts_opt(row, "open_until")?,
        reason: row.get("reason")?,
        note: row.get("note")?,
        decided_by: row.get("decided_by")?,
        decided_by_email: row.get("decided_by_email")?,
        decided_at: ts(row, "decided_at")?,
        effective_at: ts(row, "effective_at")?,
        undone_at: ts_opt(row, "undone_at")?,
        applied_at: ts_opt(row, "applied_at")?,
        lapsed: row.get("lapsed")?,
    })
}

fn queue_row(row: &Row) -> Result<QueueRow, StoreError> {
    let days: String = row.get("days")?;
    let accepted_day: Option<String> = row.get("accepted_day")?;
    let pending: Option<String> = row.get("pending")?;
    Ok(QueueRow {
        id: row.get("id")?,
        title: row.get("title")?,
        kind: row.get("kind")?,
        days: days
            .split_whitespace()
            .filter_map(|day| day.parse().ok())
            .collect(),
        state: parsed(row, "state", SubmissionState::parse)?,
        late: row.get("late")?,
        words: row.get("words")?,
        length: row.get("length")?,
        authors: row.get("authors")?,
        owner_email: row.get("owner_email")?,
        sent_at: ts(row, "sent_at")?,
        sender_trust: row
            .get::<Option<String>>("sender_trust")?
            .as_deref()
            .and_then(SenderTrust::parse),
        accepted_day: accepted_day.and_then(|day| day.parse().ok()),
        pending: pending.as_deref().and_then(DecisionAction::parse),
        reviews: row.get("reviews")?,
        score_sum: row.get::<Option<i64>>("score_sum")?.unwrap_or(0),
        score_min: row.get("score_min")?,
        score_max: row.get("score_max")?,
    })
}

#[async_trait]
impl Editorial for SqlStore {
    async fn queue(&self, query: &QueueQuery) -> Result<QueuePage, StoreError> {
        let postgres = matches!(self.pool.backend(), crate::Backend::Postgres);
        let mut conditions = vec!["p.call_id = $1".to_owned()];
        let mut binds: Vec<Value> = vec![Value::from(query.call_id)];
        let next = |value: Value, binds: &mut Vec<Value>| {
            binds.push(value);
            format!("${}", binds.len())
        };
        if query.states.is_empty() {
            conditions.push("s.state <> 'draft'".into());
        } else {
            let list: Vec<String> = query
                .states
                .iter()
                .map(|state| next(Value::from(state.as_str().to_owned()), &mut binds))
                .collect();
            conditions.push(format!("s.state IN ({})", list.join(", ")));
        }
        if let Some(day) = query.day {
            let pattern = next(Value::from(format!("% {day} %")), &mut binds);
            conditions.push(format!("(p.days LIKE {pattern} OR p.days = ' any ')"));
        }
        if let Some(kind) = &query.kind {
            let kind = next(Value::from(kind.clone()), &mut binds);
            conditions.push(format!("p.kind = {kind}"));
        }
        if query.late {
            conditions.push("s.late = TRUE".into());
        }
        match query.length {
            Some(LengthFilter::Over) => conditions.push("p.length = 'over'".into()),
            Some(LengthFilter::Under) => conditions.push("p.length = 'under'".into()),
            None => {}
        }
        if query.undecided {
            conditions.push(
                "NOT EXISTS (SELECT 1 FROM decisions d WHERE d.submission_id = s.id AND d.undone_at IS NULL AND d.lapsed IS NULL)"
                    .into(),
            );
        }
        if query.new_mail {
            conditions.push(
                "EXISTS (SELECT 1 FROM inbound_messages i WHERE i.submission_id = s.id AND i.outcome = 'reply'
                   AND i.received_at > COALESCE((SELECT MAX(d.decided_at) FROM decisions d
                       WHERE d.submission_id = s.id AND d.undone_at IS NULL), p.sent_at))"
                    .into(),
            );
        }
        if query.not_verified {
            conditions.push("s.sender_trust = 'not_verified'".into());
        }
        if !query.search.is_empty() {
            if postgres {
                let q = next(Value::from(query.search.tsquery()), &mut binds);
                conditions.push(format!(
                    "p.document @@ to_tsquery('simple', docket_ext.fold({q}))"
                ));
            } else {
                let q = next(Value::from(query.search.fts5()), &mut binds);
                conditions.push(format!(
                    "s.id IN (SELECT rowid FROM piece_search WHERE piece_search MATCH {q})"
                ));
            }
        }
        let from = format!(
            "FROM submissions s JOIN piece_index p ON p.submission_id = s.id
             JOIN users u ON u.id = s.owner_id
             WHERE {}",
            conditions.join(" AND ")
        );
        let order = match query.sort {
            QueueSort::Newest => "p.sent_at DESC, s.id DESC",
            QueueSort::Oldest => "p.sent_at, s.id",
            QueueSort::Title => "lower(p.title), s.id",
            QueueSort::Longest => "COALESCE(p.words, 0) DESC, s.id",
        };
        let mut count = sql::query_scalar::<i64>(format!("SELECT COUNT(*) {from}"));
        for value in &binds {
            count = count.bind(value.clone());
        }
        let total = count.fetch_one(&self.pool).await?;
        let limit = next(Value::from(query.limit.clamp(1, 500)), &mut binds);
        let offset = next(Value::from(query.offset.max(0)), &mut binds);
        let mut rows = sql::query(format!(
            "SELECT s.id, p.title, p.kind, p.days, s.state, s.late, p.words, p.length, p.authors,
                    u.email AS owner_email, p.sent_at, s.sender_trust, s.accepted_day,
                    (SELECT d.action FROM decisions d WHERE d.submission_id = s.id AND d.applied_at IS NULL
                        AND d.undone_at IS NULL AND d.lapsed IS NULL ORDER BY d.id DESC LIMIT 1) AS pending,
                    (SELECT COUNT(*) FROM reviews r WHERE r.submission_id = s.id) AS reviews,
                    (SELECT CAST(SUM(r.score) AS BIGINT) FROM reviews r WHERE r.submission_id = s.id) AS score_sum,
                    (SELECT MIN(r.score) FROM reviews r WHERE r.submission_id = s.id) AS score_min,
                    (SELECT MAX(r.score) FROM reviews r WHERE r.submission_id = s.id) AS score_max
             {from} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        ));
        for value in binds {
            rows = rows.bind(value);
        }
        let rows = rows.fetch_all(&self.pool).await?;
        Ok(QueuePage {
            rows: rows.iter().map(queue_row).collect::<Result<_, _>>()?,
            total,
        })
    }

    async fn decide(&self, decision: &NewDecision, now: Timestamp) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let pending: Option<i64> = sql::query_scalar(
            "SELECT id FROM decisions WHERE submission_id = $1 AND applied_at IS NULL AND undone_at IS NULL AND lapsed IS NULL",
        )
        .bind(decision.submission_id)
        .fetch_optional(&mut tx)
        .await?;
        if pending.is_some() {
            return Err(StoreError::Conflict(
                "This piece has a decision waiting to reach its author: undo it first, or wait until it is sent".into(),
            ));
        }
        let state: Option<String> =
            sql::query_scalar("SELECT state FROM submissions WHERE id = $1")
                .bind(decision.submission_id)
                .fetch_optional(&mut tx)
                .await?;
        if state.as_deref() != Some(decision.from.as_str()) {
            return Err(StoreError::Conflict(
                "This piece has changed meanwhile: look at it again".into(),
            ));
        }
        let id: i64 = sql::query_scalar(
            "INSERT INTO decisions (submission_id, action, from_state, to_state, day, open_until, reason, note, mail, decided_by, decided_at, effective_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(decision.submission_id)
        .bind(decision.action.as_str())
        .bind(decision.from.as_str())
        .bind(decision.to.as_str())
        .bind(decision.day.map(|day| day.to_string()))
        .bind(decision.open_until)
        .bind(&decision.reason)
        .bind(&decision.note)
        .bind(
            decision
                .mail
                .as_ref()
                .map(|mail| serde_json::to_string(mail).unwrap_or_default()),
        )
        .bind(decision.decided_by)
        .bind(now)
        .bind(decision.effective_at)
        .fetch_one(&mut tx)
        .await?;
        audit(
            &mut tx,
            now,
            &Actor::User(decision.decided_by),
            "submission.decided",
            &format!("submission:{}", decision.submission_id),
            serde_json::json!({
                "decision": id,
                "action": decision.action.as_str(),
                "from": decision.from.as_str(),
                "to": decision.to.as_str(),
                "day": decision.day.map(|day| day.to_string()),
                "reason": decision.reason,
                "effective_at": decision.effective_at.to_string(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn undo_decision(&self, id: i64, by: UserId, now: Timestamp) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE decisions SET undone_at = $1, undone_by = $2
             WHERE id = $3 AND applied_at IS NULL AND undone_at IS NULL AND lapsed IS NULL AND effective_at > $1",
        )
        .bind(now)
        .bind(by)
        .bind(id)
        .execute(&mut tx)
        .await?;
        if changed > 0 {
            let submission: SubmissionId =
                sql::query_scalar("SELECT submission_id FROM decisions WHERE id = $1")
                    .bind(id)
                    .fetch_one(&mut tx)
                    .await?;
            audit(
                &mut tx,
                now,
                &Actor::User(by),
                "submission.decision_undone",
                &format!("submission:{submission}"),
                serde_json::json!({ "decision": id }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    async fn decision(&self, id: i64) -> Result<Option<Decision>, StoreError> {
        sql::query(format!("{DECISION} WHERE d.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .map(|row| decision_row(&row))
            .transpose()
    }

    async fn decisions(&self, submission: SubmissionId) -> Result<Vec<Decision>, StoreError> {
        let rows = sql::query(format!(
            "{DECISION} WHERE d.submission_id = $1 ORDER BY d.id DESC"
        ))
        .bind(submission)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decision_row).collect()
    }

    async fn apply_due_decisions(&self, now: Timestamp) -> Result<Vec<i64>, StoreError> {
        let due: Vec<i64> = sql::query_scalar(
            "SELECT id FROM decisions WHERE applied_at IS NULL AND undone_at IS NULL AND lapsed IS NULL AND effective_at <= $1 ORDER BY id",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        let mut applied = Vec::new();
        for id in due {
            let mut tx = self.pool.begin().await?;
            let row = sql::query(
                "SELECT submission_id, action, from_state, to_state, day, open_until, mail, decided_by
                 FROM decisions WHERE id = $1 AND applied_at IS NULL AND undone_at IS NULL AND lapsed IS NULL",
            )
            .bind(id)
            .fetch_optional(&mut tx)
            .await?;
            // Another node applied or undid it meanwhile.
            let Some(row) = row else {
                continue;
            };
            let submission: SubmissionId = row.get("submission_id")?;
            let from: String = row.get("from_state")?;
            let to: String = row.get("to_state")?;
            let decided_by: UserId = row.get("decided_by")?;
            let moved = sql::query(
                "UPDATE submissions SET state = $1, updated_at = $2,
                    accepted_day = CASE WHEN $1 = 'accepted' THEN $3 ELSE accepted_day END,
                    open_until = CASE WHEN $1 = 'changes_requested' THEN $4 ELSE open_until END
                 WHERE id = $5 AND state = $6",
            )
            .bind(to.clone())
            .bind(now)
            .bind(row.get::<Option<String>>("day")?)
            .bind(ts_opt(&row, "open_until")?)
            .bind(submission)
            .bind(from.clone())
            .execute(&mut tx)
            .await?;
            if moved == 0 {
                let state: Option<String> =
                    sql::query_scalar("SELECT state FROM submissions WHERE id = $1")
                        .bind(submission)
                        .fetch_optional(&mut tx)
                        .await?;
                let why = format!(
                    "the piece was {} when the decision was due, no longer {from}",
                    state.unwrap_or_else(|| "gone".into())
                );
                sql::query("UPDATE decisions SET lapsed = $1 WHERE id = $2")
                    .bind(why.clone())
                    .bind(id)
                    .execute(&mut tx)
                    .await?;
                audit(
                    &mut tx,
                    now,
                    &Actor::System,
                    "submission.decision_lapsed",
                    &format!("submission:{submission}"),
                    serde_json::json!({ "decision": id, "why": why }),
                )
                .await?;
                tx.commit().await?;
                continue;
            }
            sql::query("UPDATE decisions SET applied_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(&mut tx)
                .await?;
            if let Some(mail) = row.get::<Option<String>>("mail")? {
                let mail: NewMail = serde_json::from_str(&mail)
                    .map_err(|error| StoreError::Corrupt(format!("decision mail: {error}")))?;
                insert_mail(&mut tx, &mail, now).await?;
            }
            audit(
                &mut tx,
                now,
                &Actor::User(decided_by),
                "submission.state_changed",
                &format!("submission:{submission}"),
                serde_json::json!({ "from": from, "to": to, "decision": id }),
            )
            .await?;
            tx.commit().await?;
            applied.push(id);
        }
        Ok(applied)
    }

    async fn add_comment(
        &self,
        submission: SubmissionId,
        author: UserId,
        body: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        sql::query(
            "INSERT INTO comments (submission_id, author_id, body, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(submission)
        .bind(author)
        .bind(body)
        .bind(now)
        .execute(&mut tx)
        .await?;
        audit(
            &mut tx,
            now,
            &Actor::User(author),
            "submission.commented",
            &format!("submission:{submission}"),
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn comments(&self, submission: SubmissionId) -> Result<Vec<Comment>, StoreError> {
        let rows = sql::query(
            "SELECT c.id, u.email, c.body, c.created_at FROM comments c JOIN users u ON u.id = c.author_id
             WHERE c.submission_id = $1 ORDER BY c.created_at, c.id",
        )
        .bind(submission)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Comment {
                    id: row.get("id")?,
                    author_email: row.get("email")?,
                    body: row.get("body")?,
                    created_at: ts(row, "created_at")?,
                })
            })
            .collect()
    }

    async fn piece_mail_in(
        &self,
        submission: SubmissionId,
    ) -> Result<Vec<InboundRecord>, StoreError> {
        let rows = sql::query(
            "SELECT id, message_id, sender, subject, outcome, reason, submission_id, call_id, sender_trust, received_at
             FROM inbound_messages WHERE submission_id = $1 ORDER BY received_at, id",
        )
        .bind(submission)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(crate::backend::inbound_row).collect()
    }

    async fn piece_mail_out(
        &self,
        submission: SubmissionId,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        let rows = sql::query(concat!(
            "SELECT ",
            crate::backend::outbox_columns!(),
            " FROM outbox WHERE submission_id = $1 ORDER BY created_at, id"
        ))
        .bind(submission)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(crate::backend::outbox_row).collect()
    }

    async fn settle_triage(
        &self,
        inbound_id: i64,
        outcome: InboundOutcome,
        note: &str,
        mail: Option<NewMail>,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE inbound_messages SET outcome = $1, reason = $2 WHERE id = $3 AND outcome = 'triage'",
        )
        .bind(outcome.as_str())
        .bind(note)
        .bind(inbound_id)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            return Err(StoreError::Conflict(
                "This message is no longer kept for triage: someone dealt with it meanwhile".into(),
            ));
        }
        if let Some(mail) = mail {
            insert_mail(&mut tx, &mail, now).await?;
        }
        audit(
            &mut tx,
            now,
            actor,
            &format!("inbound.{}", outcome.as_str()),
            &format!("inbound:{inbound_id}"),
            serde_json::json!({ "note": note }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn copy_edit(
        &self,
        submission: SubmissionId,
        by: UserId,
        piece: &Piece,
        mail: NewMail,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let state: Option<String> =
            sql::query_scalar("SELECT state FROM submissions WHERE id = $1")
                .bind(submission)
                .fetch_optional(&mut tx)
                .await?;
        if state.as_deref() != Some("accepted") {
            return Err(StoreError::Conflict(
                "Only an accepted piece is copy-edited".into(),
            ));
        }
        let number = add_revision(&mut tx, submission, by, piece, true, now).await?;
        sql::query(
            "UPDATE submissions SET revisions = revisions + 1, copy_edit = 'awaiting_author', updated_at = $1 WHERE id = $2",
        )
        .bind(now)
        .bind(submission)
        .execute(&mut tx)
        .await?;
        insert_mail(&mut tx, &mail, now).await?;
        audit(
            &mut tx,
            now,
            &Actor::User(by),
            "submission.copy_edited",
            &format!("submission:{submission}"),
            serde_json::json!({ "revision": number }),
        )
        .await?;
        tx.commit().await?;
        Ok(number)
    }

    async fn set_copy_edit(
        &self,
        submission: SubmissionId,
        from: &[&str],
        to: &str,
        reason: &str,
        actor: &Actor,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        let current: Option<String> =
            sql::query_scalar("SELECT copy_edit FROM submissions WHERE id = $1")
                .bind(submission)
                .fetch_optional(&mut tx)
                .await?;
        let Some(current) = current else {
            return Err(StoreError::NotFound);
        };
        if !from.contains(&current.as_str()) {
            return Ok(false);
        }
        let changed = sql::query(
            "UPDATE submissions SET copy_edit = $1, updated_at = $2 WHERE id = $3 AND copy_edit = $4",
        )
        .bind(to)
        .bind(now)
        .bind(submission)
        .bind(current.clone())
        .execute(&mut tx)
        .await?;
        if changed > 0 {
            audit(
                &mut tx,
                now,
                actor,
                &format!("submission.copy_edit_{to}"),
                &format!("submission:{submission}"),
                serde_json::json!({ "from": current, "reason": reason }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    async fn answer_copy_edit(
        &self,
        submission: SubmissionId,
        by: UserId,
        piece: &Piece,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let changed = sql::query(
            "UPDATE submissions SET copy_edit = 'answered', revisions = revisions + 1, updated_at = $1
             WHERE id = $2 AND copy_edit = 'awaiting_author' AND state = 'accepted'",
        )
        .bind(now)
        .bind(submission)
        .execute(&mut tx)
        .await?;
        if changed == 0 {
            return Err(StoreError::Conflict(
                "No copy-edit waits for your answer".into(),
            ));
        }
        let number = add_revision(&mut tx, submission, by, piece, false, now).await?;
        audit(
            &mut tx,
            now,
            &Actor::User(by),
            "submission.copy_edit_answered",
            &format!("submission:{submission}"),
            serde_json::json!({ "revision": number }),
        )
        .await?;
        tx.commit().await?;
        Ok(number)
    }

    async fn copy_edit_state(&self, submission: SubmissionId) -> Result<String, StoreError> {
        sql::query_scalar("SELECT copy_edit FROM submissions WHERE id = $1")
            .bind(submission)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn set_refile(&self, inbound_id: i64, json: &str) -> Result<(), StoreError> {
        sql::query("UPDATE inbound_messages SET refile = $1 WHERE id = $2")
            .bind(json)
            .bind(inbound_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn refile_of(&self, inbound_id: i64) -> Result<Option<String>, StoreError> {
        Ok(
            sql::query_scalar::<Option<String>>(
                "SELECT refile FROM inbound_messages WHERE id = $1",
            )
            .bind(inbound_id)
            .fetch_optional(&self.pool)
            .await?
            .flatten(),
        )
    }

    async fn piece_placement(
        &self,
        submission: SubmissionId,
    ) -> Result<(Option<Date>, Option<Timestamp>), StoreError> {
        let row = sql::query("SELECT accepted_day, open_until FROM submissions WHERE id = $1")
            .bind(submission)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let day: Option<String> = row.get("accepted_day")?;
        Ok((
            day.and_then(|day| day.parse().ok()),
            ts_opt(&row, "open_until")?,
        ))
    }
}
