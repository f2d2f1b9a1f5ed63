//! Mail coming in by IMAP: the poller in `docket-mail` hands each message here, and it is
//! ingested (committed) before the poller flags it seen.

use std::sync::Arc;

use docket_core::Clock;
use docket_mail::Mailer;
use docket_mail::imap::{MessageSink, SinkError};
use docket_store::Store;

use crate::ingest::{self, IngestSettings, Outcome};

/// Everything ingestion needs: the poller's sink.
#[derive(Clone)]
pub struct Intake {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub mailer: Arc<Mailer>,
    pub settings: IngestSettings,
}

#[async_trait::async_trait]
impl MessageSink for Intake {
    type Outcome = Outcome;

    async fn file(&self, raw: &[u8]) -> Result<Outcome, SinkError> {
        let outcome = ingest::ingest(
            self.store.as_ref(),
            self.clock.as_ref(),
            &self.mailer,
            raw,
            &self.settings,
        )
        .await?;
        Ok(outcome)
    }
}
