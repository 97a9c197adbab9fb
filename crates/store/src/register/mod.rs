//! The electoral register in the store: full imports that replace the register as a new version,
//! monthly notices of alteration, absent voters lists, and what the register looks like.

use groundgame_core::register::absent::AbsentVote;
use groundgame_core::register::{RegisterRecord, RowError};

use crate::bulk::BulkRow;
use crate::db::Arg;

/// Absent voters lists.
mod absent;
/// A full register import.
mod import;
/// Reading an export on a thread of its own while the database writes.
pub mod pipeline;
/// Monthly notices of alteration.
mod update;
/// Register uploads waiting for confirmation.
pub mod uploads;
/// Statistics and single electors.
mod view;

pub use absent::{import_absent_voters, AbsentVotersReport};
pub use import::{import_register, ImportAudit, ImportOptions, ImportReport};
pub use update::{apply_update, UpdateReport};
pub use view::{export_csv, geocode_from_postcodes, show_elector, stats, DistrictStats, ElectorView, RegisterCsv, RegisterStats};

/// Counts a rejected row, keeping the first [`ERRORS_KEPT`] to show.
pub(crate) fn keep_rejected(count: &mut u64, errors: &mut Vec<RowError>, e: RowError) {
    *count += 1;
    if errors.len() < ERRORS_KEPT {
        errors.push(e);
    }
}

/// Deletes households by id (those no elector lives at any more).
pub(crate) async fn delete_households(tx: &mut crate::db::Tx, campaign_id: i64, ids: &[i64]) -> crate::error::Result<()> {
    for chunk in ids.chunks(500) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let mut args = vec![Arg::Int(Some(campaign_id))];
        args.extend(chunk.iter().map(|id| Arg::Int(Some(*id))));
        tx.execute(&format!("DELETE FROM households WHERE campaign_id = $1 AND id IN ({})", placeholders.join(",")), args).await?;
    }
    Ok(())
}

/// What the reading side hands to the importer.
#[derive(Debug)]
// Nearly every item is a record: boxing it would cost an allocation per row for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Parsed {
    Record(Read),
    Invalid(RowError),
    /// The file could not be read on (an I/O error): the import stops and writes nothing.
    Fatal(String),
}

/// A record as the reading thread hands it on, with what is worked out from it alone there
/// (beside the database's writing, not before it).
#[derive(Debug)]
pub struct Read {
    pub record: RegisterRecord,
    /// Its household's key and the key's fingerprint; `None` for an anonymous elector.
    pub household: Option<(String, u128)>,
    /// Who the elector is, to match them against the previous version.
    pub identity: u128,
}

impl Read {
    pub fn new(record: RegisterRecord) -> Read {
        let key = record.household_key();
        let identity = groundgame_core::register::matching::identity_of(&record, key.as_deref());
        let household = key.map(|k| {
            let fp = groundgame_core::register::household::fingerprint(&k);
            (k, fp)
        });
        Read { record, household, identity }
    }
}

/// The first errors are kept to show; the rest are counted.
pub const ERRORS_KEPT: usize = 100;

pub(crate) struct NewElector {
    pub id: i64,
    pub polling_district: String,
    pub number: i64,
    pub suffix: i64,
    pub title: String,
    pub forename: String,
    pub middle_names: String,
    pub surname: String,
    pub address: String,
    pub postcode: Option<String>,
    pub uprn: Option<String>,
    pub markers: String,
    pub date_of_birth: Option<String>,
    pub household_id: Option<i64>,
    pub absent_vote: Option<AbsentVote>,
    pub first_version: i64,
}

impl NewElector {
    pub fn from_record(r: RegisterRecord, id: i64, household_id: Option<i64>, absent_vote: Option<AbsentVote>, first_version: i64) -> Self {
        NewElector {
            id,
            polling_district: r.number.district.as_str().to_owned(),
            number: r.number.number.into(),
            suffix: r.number.suffix.into(),
            title: r.title,
            forename: r.forename,
            middle_names: r.middle_names,
            surname: r.surname,
            address: r.address.join("\n"),
            postcode: r.postcode.map(|p| p.as_str().to_owned()),
            uprn: r.uprn,
            markers: r.markers.as_str().to_owned(),
            date_of_birth: r.date_of_birth.map(|d| d.format("%Y-%m-%d").to_string()),
            household_id,
            absent_vote,
            first_version,
        }
    }
}

impl BulkRow for NewElector {
    const TABLE: &'static str = "electors";
    const COLUMNS: &'static [&'static str] = &[
        "campaign_id",
        "id",
        "polling_district",
        "elector_number",
        "elector_suffix",
        "title",
        "forename",
        "middle_names",
        "surname",
        "address",
        "postcode",
        "uprn",
        "markers",
        "date_of_birth",
        "household_id",
        "absent_vote",
        "first_version",
    ];

    fn push_args(self, out: &mut Vec<Arg>) {
        out.extend([
            Arg::Int(Some(self.id)),
            Arg::Text(Some(self.polling_district)),
            Arg::Int(Some(self.number)),
            Arg::Int(Some(self.suffix)),
            Arg::Text(Some(self.title)),
            Arg::Text(Some(self.forename)),
            Arg::Text(Some(self.middle_names)),
            Arg::Text(Some(self.surname)),
            Arg::Text(Some(self.address)),
            Arg::Text(self.postcode),
            Arg::Text(self.uprn),
            Arg::Text(Some(self.markers)),
            Arg::Text(self.date_of_birth),
            Arg::Int(self.household_id),
            Arg::Text(self.absent_vote.map(|a| a.as_str().to_owned())),
            Arg::Int(Some(self.first_version)),
        ]);
    }
}

pub(crate) struct NewHousehold {
    pub id: i64,
    pub polling_district: String,
    pub key: String,
    pub address: String,
    pub postcode: Option<String>,
    pub uprn: Option<String>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
}

impl BulkRow for NewHousehold {
    const TABLE: &'static str = "households";
    const COLUMNS: &'static [&'static str] = &["campaign_id", "id", "polling_district", "key", "address", "postcode", "uprn", "lat", "lon"];

    fn push_args(self, out: &mut Vec<Arg>) {
        out.extend([
            Arg::Int(Some(self.id)),
            Arg::Text(Some(self.polling_district)),
            Arg::Text(Some(self.key)),
            Arg::Text(Some(self.address)),
            Arg::Text(self.postcode),
            Arg::Text(self.uprn),
            Arg::Real(self.lat),
            Arg::Real(self.lon),
        ]);
    }
}
