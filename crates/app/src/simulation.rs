//! A simulated canvass and polling day, for the demo seat and the benchmarks: the canvass is
//! recorded through the same path as the phones' answers; the polling day is the list of who
//! votes in person and when, for `groundgame polling-day simulate` to send as tellers would.

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use groundgame_core::simulation::Simulation;
use groundgame_core::survey::{Contact, CERTAINTY, VOTING_INTENTION};
use groundgame_store::canvassing::{self, Batch, Scope, Source};
use groundgame_store::polling_day;

use crate::{Actor, App, Result};

/// What the simulated canvass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SimulatedCanvass {
    pub doors: usize,
    pub contacts: usize,
}

/// Knocks every door on the campaign's walks, twice where nobody answered the first time, and
/// records what the simulated electors say over the last three days as the canvasser
/// `canvasser`'s, through the store's path for the phones' answers.
pub async fn canvass(app: &App, actor: Actor<'_>, canvasser: i64, seed: u64) -> Result<SimulatedCanvass> {
    let mut tx = app.store.begin_write().await?;
    let electors = polling_day::walk_electors(&mut tx, actor.campaign()).await?;
    actor.audit(&mut tx, "simulated_canvass", "the electors on walks, for a simulated canvass", electors.len() as i64).await?;
    tx.commit().await?;
    let mut doors: BTreeMap<(i64, i64), Vec<i64>> = BTreeMap::new();
    for (walk, household, elector) in electors {
        doors.entry((walk, household)).or_default().push(elector);
    }
    let mut sim = Simulation::new(seed);
    let now = Utc::now();
    let mut contacts = Vec::new();
    let contact = |walk, household, elector, at, outcome: Option<&str>, answers: BTreeMap<String, String>| Contact {
        id: uuid::Uuid::now_v7(),
        walk_id: Some(walk),
        household_id: household,
        elector_id: elector,
        recorded_at: at,
        outcome: outcome.map(str::to_owned),
        answers,
        note: String::new(),
    };
    for ((walk, household), people) in &doors {
        let first = now - Duration::minutes(i64::from(sim.between(24 * 60, 72 * 60)));
        let answered_at = if sim.answers_the_door() {
            Some(first)
        } else {
            contacts.push(contact(*walk, *household, None, first, Some("NI"), BTreeMap::new()));
            let second = now - Duration::minutes(i64::from(sim.between(60, 23 * 60)));
            sim.answers_the_door().then_some(second).or_else(|| {
                contacts.push(contact(*walk, *household, None, second, Some("NI"), BTreeMap::new()));
                None
            })
        };
        if let Some(at) = answered_at {
            for elector in people {
                let said = sim.doorstep();
                let answers = BTreeMap::from([
                    (VOTING_INTENTION.to_owned(), said.intention.to_owned()),
                    (CERTAINTY.to_owned(), said.certainty.to_string()),
                ]);
                contacts.push(contact(*walk, *household, Some(*elector), at, None, answers));
            }
        }
    }
    let recorded = contacts.len();
    for chunk in contacts.chunks(app.limits.sync_batch) {
        let mut tx = app.store.begin_write().await?;
        let batch =
            Batch { contacts: chunk, user_id: Some(canvasser), scope: Scope::Campaign, source: Source::App, clock_error: Duration::zero() };
        canvassing::record_contacts(&mut tx, actor.campaign(), batch).await?;
        tx.commit().await?;
    }
    Ok(SimulatedCanvass { doors: doors.len(), contacts: recorded })
}

/// One voter of the simulated polling day who votes in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedVoter {
    /// Minutes after midnight, UK time.
    pub minute: u32,
    pub polling_district: String,
    /// As printed on the poll card: `124` or `124/1`.
    pub number: String,
    pub promise: bool,
    /// Whether a teller takes the number.
    pub told: bool,
}

/// Who votes in person on the simulated polling day, in order of time.
pub async fn polling_day(app: &App, actor: Actor<'_>, seed: u64) -> Result<Vec<SimulatedVoter>> {
    let mut tx = app.store.begin_write().await?;
    let electors = polling_day::day_electors(&mut tx, actor.campaign()).await?;
    actor.audit(&mut tx, "simulated_polling_day", "the electors' numbers, for a simulated polling day", electors.len() as i64).await?;
    tx.commit().await?;
    let mut sim = Simulation::new(seed);
    let mut voters: Vec<SimulatedVoter> = electors
        .into_iter()
        .filter_map(|e| {
            let minute = sim.votes_at(e.promise, e.postal)?;
            let told = sim.told(minute);
            Some(SimulatedVoter { minute, polling_district: e.polling_district, number: e.number, promise: e.promise, told })
        })
        .collect();
    voters.sort_by_key(|v| v.minute);
    Ok(voters)
}
