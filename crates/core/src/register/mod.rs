//! Council register exports: what a row holds once parsed, and the pieces that read them.

use std::fmt;

use chrono::NaiveDate;

use crate::elector::ElectorNumber;
use crate::franchise::Markers;
use crate::geography::Postcode;

/// Absent voters lists (postal, proxy, proxy postal).
pub mod absent;
/// Grouping electors into households and recognising the same person across register versions.
pub mod household;
/// Which columns of an export mean what: the Xpress layouts, the monthly update layout, or an
/// explicit mapping.
pub mod layout;
/// Matching a new register to the previous version: elector and household ids carried over.
pub mod matching;
/// Opening an export: encoding, delimiter, header, rows with their line numbers.
pub mod reader;
/// Turning a row into an elector record, with the errors that name line and column.
pub mod record;

/// One elector as an export gives them, parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterRecord {
    /// The physical line of the file where the row starts (1 is the header).
    pub line: u64,
    pub number: ElectorNumber,
    pub title: String,
    pub forename: String,
    pub middle_names: String,
    pub surname: String,
    /// Address lines, empty lines dropped.
    pub address: Vec<String>,
    pub postcode: Option<Postcode>,
    pub uprn: Option<String>,
    pub markers: Markers,
    /// Given on the register for attainers only.
    pub date_of_birth: Option<NaiveDate>,
    /// For notices of alteration: what the row does.
    pub change: Option<Change>,
}

impl RegisterRecord {
    /// An anonymous elector (marker N) is known by number only: no name, address or UPRN is kept.
    pub fn is_anonymous(&self) -> bool {
        self.markers.is_anonymous()
    }
}

/// What a row of a monthly notice of alteration does to the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Addition,
    Deletion,
    Amendment,
}

impl Change {
    pub fn parse(s: &str) -> Result<Self, crate::Invalid> {
        let t = s.trim().to_ascii_uppercase();
        Ok(match t.as_str() {
            "A" | "ADD" | "ADDED" | "ADDITION" | "N" | "NEW" => Change::Addition,
            "D" | "DEL" | "DELETE" | "DELETED" | "DELETION" | "R" | "REMOVED" => Change::Deletion,
            "M" | "C" | "U" | "AMEND" | "AMENDED" | "AMENDMENT" | "CHANGE" | "CHANGED" | "ALTERATION" | "UPDATE" | "MODIFIED" => {
                Change::Amendment
            }
            _ => return Err(format!("'{}' is not a change type (addition A, deletion D or amendment M)", s.trim()).into()),
        })
    }
}

/// A row that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub line: u64,
    /// The column's name in the file's header, where one column is at fault.
    pub column: Option<String>,
    pub reason: String,
    /// The row's fields as they were, for a rejects file.
    pub raw: Vec<String>,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column '{}': {}", self.line, c, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

impl std::error::Error for RowError {}
