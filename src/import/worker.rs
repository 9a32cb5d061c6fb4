//! A lead row's task, run by a worker of the pipeline (`deliver::pipeline`) in the request slot
//! it holds: the lead's works sent (`lead::bulk::send`: claim, send, record, then the move to
//! its status) and what they came to told as the row's result. A dry run plans it instead
//! (`lead_plan`).

use super::flow::{self, Ctx, Event, Job, LeadRowTask, PlanSink, Task};
use super::report::{Outcome, RowResult};
use crate::deliver::gate::Slot;
use crate::deliver::pipeline::Events;

impl Task for LeadRowTask {
    fn run(
        self: Box<Self>,
        ctx: &Ctx<'_>,
        row: u64,
        cells: Vec<String>,
        events: &Events<Event>,
        sent: Slot<'_>,
    ) {
        let LeadRowTask { keyed, work } = *self;
        let (told, stop) = crate::lead::bulk::send(&ctx.lead(), row, &keyed, work, sent);
        let key = keyed.key;
        let _ = events.send(flow::told(told, |outcome, lead_id, error| RowResult {
            row,
            outcome,
            lead_id,
            error,
            fields: cells,
            key: Some(key),
        }));
        if let Some(e) = stop {
            let _ = events.send(Event::Fatal(e));
        }
    }

    fn plan(self: Box<Self>, plan: &mut dyn PlanSink) {
        super::lead_plan::plan(*self, plan);
    }

    fn ahead(&mut self) -> Option<&mut crate::deliver::ahead::Ahead> {
        match &mut self.work {
            crate::lead::bulk::LeadTask::Create { ahead, .. } => ahead.as_deref_mut(),
            _ => None,
        }
    }
}

/// A job the run stopped before it was sent.
pub fn not_sent(job: Job, why: &str) -> Event {
    Event::Result(
        RowResult {
            row: job.row,
            outcome: Outcome::NotSent,
            lead_id: None,
            error: Some(why.to_string()),
            fields: job.cells,
            key: None,
        },
        None,
    )
}
