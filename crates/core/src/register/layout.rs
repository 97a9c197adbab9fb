use std::fmt;

/// The fields groundgame reads from an export. [`Field::from_name`] gives the names a `--map`
/// uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    PollingDistrict,
    /// The number alone (with a polling district column) or combined as `PD-124/1`.
    ElectorNumber,
    ElectorSuffix,
    Title,
    Forename,
    MiddleNames,
    Surname,
    /// A whole name in one column, `Surname, Forenames` or `Forenames Surname`.
    FullName,
    Address(u8),
    Postcode,
    Uprn,
    Markers,
    DateOfBirth,
    /// Addition, deletion or amendment, in notices of alteration.
    Change,
    /// Postal, proxy or proxy postal, in absent voters lists.
    AbsentVote,
}

impl Field {
    const COUNT: usize = 20;

    fn slot(self) -> usize {
        match self {
            Field::PollingDistrict => 0,
            Field::ElectorNumber => 1,
            Field::ElectorSuffix => 2,
            Field::Title => 3,
            Field::Forename => 4,
            Field::MiddleNames => 5,
            Field::Surname => 6,
            Field::FullName => 7,
            Field::Address(n) => 7 + n.clamp(1, 6) as usize,
            Field::Postcode => 14,
            Field::Uprn => 15,
            Field::Markers => 16,
            Field::DateOfBirth => 17,
            Field::Change => 18,
            Field::AbsentVote => 19,
        }
    }

    /// The field names that `--map SOURCE_COLUMN=field` accepts.
    pub const MAP_NAMES: &'static [&'static str] = &[
        "polling_district",
        "elector_number",
        "elector_suffix",
        "title",
        "forename",
        "middle_names",
        "surname",
        "name",
        "address1",
        "address2",
        "address3",
        "address4",
        "address5",
        "address6",
        "postcode",
        "uprn",
        "markers",
        "date_of_birth",
        "change",
        "absent_vote",
    ];

    pub fn from_name(name: &str) -> Option<Field> {
        Some(match name.trim() {
            "polling_district" => Field::PollingDistrict,
            "elector_number" => Field::ElectorNumber,
            "elector_suffix" => Field::ElectorSuffix,
            "title" => Field::Title,
            "forename" => Field::Forename,
            "middle_names" => Field::MiddleNames,
            "surname" => Field::Surname,
            "name" => Field::FullName,
            "postcode" => Field::Postcode,
            "uprn" => Field::Uprn,
            "markers" => Field::Markers,
            "date_of_birth" => Field::DateOfBirth,
            "change" => Field::Change,
            "absent_vote" => Field::AbsentVote,
            other => {
                let n: u8 = other.strip_prefix("address")?.parse().ok()?;
                if (1..=6).contains(&n) {
                    Field::Address(n)
                } else {
                    return None;
                }
            }
        })
    }
}

/// The export formats groundgame recognises from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Xpress full register data file, 13 fields (`Elector Name`).
    Xpress13,
    /// Xpress full register data file, 14 fields (`Elector Surname`, `Elector Forename`).
    Xpress14,
    /// The monthly update layout (`ElectorNumber` combined as `PD-124/1`).
    MonthlyUpdate,
    /// An absent voters list.
    AbsentVoters,
    /// Columns named by `--map`.
    Mapped,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Xpress13 => "Xpress full register (13 fields)",
            Format::Xpress14 => "Xpress full register (14 fields)",
            Format::MonthlyUpdate => "monthly update layout",
            Format::AbsentVoters => "absent voters list",
            Format::Mapped => "columns mapped with --map",
        })
    }
}

/// Where each field is in a file, found from its header.
#[derive(Debug, Clone)]
pub struct Layout {
    pub format: Format,
    columns: Columns,
    /// The header as the file has it, to name columns in errors.
    pub headers: Vec<String>,
}

/// Where each field is: a slot per field, as rows are read millions of times.
#[derive(Debug, Clone, Default)]
struct Columns([Option<usize>; Field::COUNT]);

impl Columns {
    fn get(&self, field: &Field) -> Option<&usize> {
        self.0[field.slot()].as_ref()
    }

    fn contains_key(&self, field: &Field) -> bool {
        self.0[field.slot()].is_some()
    }

    /// Sets the column of a field, returning the one it had.
    fn insert(&mut self, field: Field, column: usize) -> Option<usize> {
        self.0[field.slot()].replace(column)
    }

    /// Sets the column of a field unless it has one.
    fn insert_if_absent(&mut self, field: Field, column: usize) {
        self.0[field.slot()].get_or_insert(column);
    }
}

/// An explicit mapping from the file's column names to fields (`--map SOURCE=field`).
#[derive(Debug, Clone, Default)]
pub struct Mapping(Vec<(String, Field)>);

impl Mapping {
    /// Parses `SOURCE_COLUMN=field` pairs.
    pub fn parse<S: AsRef<str>>(pairs: &[S]) -> Result<Self, crate::Invalid> {
        let mut out = Vec::new();
        for pair in pairs {
            let pair = pair.as_ref();
            let (source, field) = pair.rsplit_once('=').ok_or_else(|| format!("--map '{pair}' should be SOURCE_COLUMN=field"))?;
            let field = Field::from_name(field)
                .ok_or_else(|| format!("--map '{pair}': '{field}' is not a field; fields are {}", Field::MAP_NAMES.join(", ")))?;
            out.push((source.trim().to_owned(), field));
        }
        Ok(Mapping(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Header names compared without case, spaces or punctuation: `Elector Number` = `ElectorNumber`.
fn fold(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// The names each field goes by in the recognised layouts, folded.
fn aliases(folded: &str) -> Option<Field> {
    Some(match folded {
        "electornumberprefix" | "pollingdistrict" | "pollingdistrictcode" | "pd" => Field::PollingDistrict,
        "electornumber" | "electorno" => Field::ElectorNumber,
        "electornumbersuffix" | "electorsuffix" => Field::ElectorSuffix,
        "electortitle" | "title" => Field::Title,
        "electorforename" | "forename" | "firstname" | "electorfirstname" => Field::Forename,
        "electormiddlename" | "electormiddlenames" | "middlename" | "middlenames" | "initials" => Field::MiddleNames,
        "electorsurname" | "surname" | "lastname" => Field::Surname,
        "electorname" => Field::FullName,
        "postcode" | "propertypostcode" | "electorpostcode" => Field::Postcode,
        "uprn" | "propertyuprn" | "electoruprn" => Field::Uprn,
        "electormarkers" | "markersregistertext" | "markers" | "franchisemarker" | "franchisemarkers" => Field::Markers,
        "electordob" | "electordateofbirth" | "dob" | "dateofbirth" => Field::DateOfBirth,
        "changetype" | "electorchangetype" | "updatetype" | "alterationtype" | "typeofchange" | "change" => Field::Change,
        "absentvotertype" | "absentvotetype" | "avtype" | "absenttype" | "votetype" | "absentvote" | "absentvoter" => Field::AbsentVote,
        other => {
            let n = other.strip_prefix("propertyaddress").or_else(|| other.strip_prefix("address"))?;
            let n: u8 = n.parse().ok()?;
            if (1..=6).contains(&n) {
                Field::Address(n)
            } else {
                return None;
            }
        }
    })
}

impl Layout {
    /// Recognises the layout of a register export (full register or monthly update) from its
    /// header, or applies `mapping` when one is given.
    pub fn for_register(headers: &[String], mapping: &Mapping) -> Result<Layout, crate::Invalid> {
        let layout = Layout::build(headers, mapping)?;
        let has = |f| layout.columns.contains_key(&f);
        if !has(Field::ElectorNumber) {
            return Err(if mapping.is_empty() {
                "unrecognised header: expected the Xpress register layout (Elector Number Prefix, Elector Number, \
                 Elector Number Suffix, Elector Markers, Elector DOB, Elector Name, PostCode, Address1..Address6), \
                 the monthly update layout (ElectorNumber, MarkersRegisterText, ElectorDOB, ElectorSurname, \
                 ElectorForename, PropertyAddress1..5, PropertyPostCode), or --map SOURCE_COLUMN=field for each column"
                    .to_owned()
                    .into()
            } else {
                "the mapping names no elector_number column".to_owned().into()
            });
        }
        if !has(Field::Surname) && !has(Field::FullName) {
            return Err("the header has no elector name column (Elector Name, or Elector Surname and Elector Forename)".into());
        }
        Ok(layout)
    }

    /// Recognises an absent voters list: an elector number and the kind of absent vote.
    pub fn for_absent_voters(headers: &[String], mapping: &Mapping) -> Result<Layout, crate::Invalid> {
        let mut layout = Layout::build(headers, mapping)?;
        if !layout.columns.contains_key(&Field::ElectorNumber) {
            return Err(
                "the absent voters list has no elector number column (ElectorNumber, or Elector Number Prefix and Elector Number)".into()
            );
        }
        if !layout.columns.contains_key(&Field::AbsentVote) {
            return Err("the absent voters list has no column for the kind of absent vote (Absent Voter Type, AV Type or Vote Type)".into());
        }
        if layout.format != Format::Mapped {
            layout.format = Format::AbsentVoters;
        }
        Ok(layout)
    }

    fn build(headers: &[String], mapping: &Mapping) -> Result<Layout, crate::Invalid> {
        let mut columns = Columns::default();
        if mapping.is_empty() {
            for (i, h) in headers.iter().enumerate() {
                if let Some(field) = aliases(&fold(h)) {
                    columns.insert_if_absent(field, i);
                }
            }
        } else {
            for (source, field) in &mapping.0 {
                let i = headers
                    .iter()
                    .position(|h| h.trim() == source || h.trim().eq_ignore_ascii_case(source))
                    .ok_or_else(|| format!("--map names column '{source}', which the header does not have"))?;
                if columns.insert(*field, i).is_some() {
                    return Err(format!("--map names more than one column for the same field as '{source}'").into());
                }
            }
        }
        let format = if !mapping.is_empty() {
            Format::Mapped
        } else if columns.contains_key(&Field::PollingDistrict) {
            if columns.contains_key(&Field::FullName) {
                Format::Xpress13
            } else {
                Format::Xpress14
            }
        } else {
            Format::MonthlyUpdate
        };
        Ok(Layout { format, columns, headers: headers.to_vec() })
    }

    pub fn column(&self, field: Field) -> Option<usize> {
        self.columns.get(&field).copied()
    }

    pub fn has(&self, field: Field) -> bool {
        self.columns.contains_key(&field)
    }

    /// The header name of the column holding `field`, for error messages.
    pub fn column_name(&self, field: Field) -> Option<&str> {
        self.column(field).and_then(|i| self.headers.get(i)).map(|s| s.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(s: &str) -> Vec<String> {
        s.split(',').map(str::to_owned).collect()
    }

    #[test]
    fn recognises_the_xpress_and_monthly_layouts() {
        let x13 = headers("Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Name,PostCode,Address1,Address2,Address3,Address4,Address5,Address6");
        let l = Layout::for_register(&x13, &Mapping::default()).unwrap();
        assert_eq!(l.format, Format::Xpress13);
        assert_eq!(l.column(Field::Address(6)), Some(12));
        let x14 = headers("Elector Number Prefix,Elector Number,Elector Number Suffix,Elector Markers,Elector DOB,Elector Surname,Elector Forename,PostCode,Address1,Address2,Address3,Address4,Address5,Address6");
        assert_eq!(Layout::for_register(&x14, &Mapping::default()).unwrap().format, Format::Xpress14);
        let monthly = headers("ElectorNumber,MarkersRegisterText,ElectorDOB,ElectorSurname,ElectorForename,PropertyAddress1,PropertyAddress2,PropertyAddress3,PropertyAddress4,PropertyAddress5,PropertyPostCode");
        let l = Layout::for_register(&monthly, &Mapping::default()).unwrap();
        assert_eq!(l.format, Format::MonthlyUpdate);
        assert_eq!(l.column_name(Field::Postcode), Some("PropertyPostCode"));
    }

    #[test]
    fn an_unknown_header_asks_for_a_mapping() {
        let err = Layout::for_register(&headers("a,b,c"), &Mapping::default()).unwrap_err();
        assert!(err.contains("--map"), "{err}");
        let mapping = Mapping::parse(&["Num=elector_number", "PD=polling_district", "Last=surname"]).unwrap();
        let l = Layout::for_register(&headers("PD,Num,Last"), &mapping).unwrap();
        assert_eq!(l.format, Format::Mapped);
        assert_eq!(l.column(Field::Surname), Some(2));
        assert!(Mapping::parse(&["Num=number"]).unwrap_err().contains("elector_number"));
        assert!(Layout::for_register(&headers("PD,Num"), &Mapping::parse(&["Missing=surname"]).unwrap()).is_err());
    }
}
