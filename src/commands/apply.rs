//! `leadctl apply PLAN`: the arguments and settings as the apply engine's plain options
//! (`apply::Options`, `apply::Parts`), run inside the run report.

use anyhow::Result;

use crate::apply;
use crate::cli::ApplyArgs;
use crate::output::Output;
use crate::plan::Limits;
use crate::settings::Settings;

pub fn run(settings: &Settings, args: &ApplyArgs, out: &mut Output) -> Result<()> {
    let what = super::run_report::What {
        command: "apply",
        inputs: vec![args.plan.as_path()],
        query: Vec::new(),
        dry_run: false,
        header_line: None,
    };
    let (concurrency, max_concurrency) =
        super::import::concurrency(settings, args.gate.concurrency, args.gate.max_concurrency)?;
    super::run_report::around(settings, &args.ci, what, |recorder| {
        let opts = apply::Options {
            gate: crate::deliver::gate::Options {
                concurrency,
                max_concurrency,
                rate: args.gate.rate,
            },
            plan: args.plan.clone(),
            fresh: super::import::fresh(args.new_ledger),
            limits: super::import::limits(
                settings,
                (args.max_create, args.max_changes),
                Limits::default(),
            ),
        };
        let counting = super::run_report::counting(&recorder);
        let client =
            || super::import::client(settings, true).map(|c| c.also_observed_by(counting.clone()));
        let log = settings.log();
        let services = apply::Parts {
            log: &log,
            key: settings.require_key().map(|_| ()),
            client: &client,
            api_url: settings.api_url.value.clone(),
            ledger: settings.ledger.clone(),
            recorder: Some(recorder),
        };
        apply::run(&opts, &services, out)
    })
}
