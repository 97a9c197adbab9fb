//! A realistic synthetic electoral register for demos, tests and benchmarks. Real voters' data never
//! goes into the repository: every name here is drawn from frequency lists (ONS forenames by birth
//! decade, surnames counted over election candidates), every street is made up, and every address
//! sits at a real postcode centroid of the demo seat.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{Datelike, Duration, NaiveDate};
use rand::distributions::{Distribution, WeightedIndex};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::geography::{demo_postcodes, GssCode, Postcode};
use crate::register::layout::Format;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    pub constituency: GssCode,
    pub electors: usize,
    pub seed: u64,
    /// Xpress13, Xpress14 or MonthlyUpdate.
    pub format: Format,
    /// The date the register is published; attainers turn 18 within a year either side of it.
    pub register_date: NaiveDate,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub electors: usize,
    pub households: usize,
    pub polling_districts: usize,
    pub attainers: usize,
    pub anonymous: usize,
    pub absent_voters: usize,
}

const FORENAMES: &str = include_str!("../../../../data/names/forenames.csv");
const SURNAMES: &str = include_str!("../../../../data/names/surnames.csv");

const STREET_STEMS: &[&str] = &[
    "Duffield",
    "Kedleston",
    "Belper",
    "Ashbourne",
    "Radbourne",
    "Markeaton",
    "Allestree",
    "Darley",
    "Mackworth",
    "Brackensdale",
    "Chaddesden",
    "Oakwood",
    "Breadsall",
    "Morley",
    "Ashby",
    "Highfield",
    "Elmwood",
    "Birchover",
    "Rowan",
    "Hawthorn",
    "Sycamore",
    "Chestnut",
    "Laburnum",
    "Willow",
    "Beech",
    "Cedar",
    "Holly",
    "Larch",
    "Maple",
    "Alder",
    "Oak",
    "Ash",
    "Station",
    "Church",
    "Mill",
    "Park",
    "Victoria",
    "Albert",
    "Windsor",
    "Stafford",
    "Kingsway",
    "Queensway",
    "Broadway",
    "Arboretum",
    "Derwent",
    "Trent",
    "Dove",
    "Wye",
    "Amber",
    "Ecclesbourne",
    "Matlock",
    "Bakewell",
    "Hathersage",
    "Tideswell",
    "Eyam",
    "Castleton",
    "Chatsworth",
    "Haddon",
    "Hardwick",
    "Bolsover",
    "Wirksworth",
    "Crich",
    "Alfreton",
    "Ripley",
    "Heanor",
    "Ilkeston",
    "Spondon",
    "Borrowash",
    "Ockbrook",
    "Draycott",
    "Breaston",
    "Shardlow",
    "Melbourne",
    "Ticknall",
    "Repton",
    "Etwall",
    "Hilton",
    "Egginton",
    "Findern",
    "Willington",
    "Burnaston",
    "Radcliffe",
    "Cavendish",
    "Devonshire",
    "Curzon",
    "Harrington",
    "Stanhope",
    "Vernon",
    "Mundy",
    "Strutt",
    "Arkwright",
    "Evans",
    "Wright",
    "Whitehurst",
    "Flamsteed",
    "Darwin",
    "Spencer",
    "Lonsdale",
    "Sitwell",
    "Keble",
    "Newton",
];
const STREET_KINDS: &[(&str, u32)] = &[
    ("Road", 30),
    ("Street", 18),
    ("Avenue", 12),
    ("Close", 9),
    ("Crescent", 6),
    ("Drive", 8),
    ("Lane", 6),
    ("Grove", 4),
    ("Way", 3),
    ("Gardens", 3),
    ("Terrace", 2),
];
const BLOCK_NAMES: &[&str] = &["Court", "House", "Lodge", "Mews", "Heights", "Point", "Place"];
const HOUSE_NAMES: &[&str] =
    &["Rose Cottage", "The Willows", "Oak Lodge", "Fernlea", "The Old Forge", "Hillcrest", "Ivy House", "The Gables"];

/// Names with weights, to draw from.
struct Weighted {
    names: Vec<&'static str>,
    index: WeightedIndex<u32>,
}

impl Weighted {
    fn new(names: Vec<&'static str>, weights: Vec<u32>) -> Self {
        Weighted { index: WeightedIndex::new(weights).expect("bundled weights are positive"), names }
    }

    fn pick(&self, rng: &mut impl Rng) -> &'static str {
        self.names[self.index.sample(rng)]
    }
}

/// Forenames by birth decade and sex.
struct Forenames(BTreeMap<(i32, char), Weighted>);

impl Forenames {
    fn load() -> Self {
        type NamesAndWeights = (Vec<&'static str>, Vec<u32>);
        let mut raw: BTreeMap<(i32, char), NamesAndWeights> = BTreeMap::new();
        for line in FORENAMES.lines().skip(1) {
            let mut f = line.split(',');
            let (Some(decade), Some(sex), Some(name), Some(weight)) = (f.next(), f.next(), f.next(), f.next()) else {
                continue;
            };
            let key = (decade.parse().expect("bundled decade"), sex.chars().next().expect("bundled sex"));
            let entry = raw.entry(key).or_default();
            entry.0.push(name);
            entry.1.push(weight.parse().expect("bundled weight"));
        }
        Forenames(raw.into_iter().map(|(k, (names, weights))| (k, Weighted::new(names, weights))).collect())
    }

    fn pick(&self, rng: &mut impl Rng, birth_year: i32, sex: char) -> &'static str {
        let decade = (birth_year / 10 * 10).clamp(1900, 2020);
        // The nearest decade that has names for this sex.
        (0..13)
            .flat_map(|d| [decade - 10 * d, decade + 10 * d])
            .find_map(|d| self.0.get(&(d, sex)))
            .expect("bundled forenames cover every decade")
            .pick(rng)
    }
}

fn surnames() -> Weighted {
    let (names, weights) = SURNAMES
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .map(|(name, w)| (name, w.parse::<u32>().expect("bundled weight")))
        .unzip();
    Weighted::new(names, weights)
}

/// One elector as it will be written.
struct Person {
    forename: &'static str,
    middle: Option<&'static str>,
    surname: &'static str,
    markers: String,
    dob: Option<NaiveDate>,
    age: i32,
}

/// Writes a synthetic full register in the chosen layout to `out`, and the matching absent voters
/// list (about one elector in five with a postal vote, as in England) to `absent_voters`.
/// The same options always give the same files.
pub fn write_register(options: &Options, out: impl Write, absent_voters: Option<&mut dyn Write>) -> Result<Summary, crate::Invalid> {
    if options.electors == 0 {
        return Err("--electors must be at least 1".into());
    }
    if options.constituency.as_str() != "E14000662" {
        return Err(format!(
            "no postcode centroids are bundled for {}: the demo register can be made for Derby North (E14000662)",
            options.constituency
        )
        .into());
    }
    if !matches!(options.format, Format::Xpress13 | Format::Xpress14 | Format::MonthlyUpdate) {
        return Err(format!("the demo register cannot be written as {}", options.format).into());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let forenames = Forenames::load();
    let surnames = surnames();

    // Polling districts: each ward's postcodes in order, cut into districts of about 2,500 electors.
    let mut wards: BTreeMap<String, Vec<Postcode>> = BTreeMap::new();
    for (postcode, _, ward) in demo_postcodes() {
        wards.entry(ward).or_default().push(postcode);
    }
    let postcode_count: usize = wards.values().map(Vec::len).sum();
    let per_postcode = options.electors as f64 / postcode_count as f64;
    let mut districts: Vec<(String, String, Vec<Postcode>)> = Vec::new();
    for (w, (ward, mut postcodes)) in wards.into_iter().enumerate() {
        postcodes.sort();
        let per_district = ((2500.0 / per_postcode).ceil() as usize).max(1);
        let chunks = postcodes.len().div_ceil(per_district);
        let size = postcodes.len().div_ceil(chunks);
        for (d, chunk) in postcodes.chunks(size).enumerate() {
            let code = format!("N{}{}", (b'A' + w as u8) as char, d + 1);
            districts.push((code, ward.clone(), chunk.to_vec()));
        }
    }

    let mut csv = csv::WriterBuilder::new().from_writer(out);
    write_header(&mut csv, options.format)?;
    let mut av = absent_voters.map(csv::Writer::from_writer);
    if let Some(av) = av.as_mut() {
        av.write_record(["ElectorNumber", "AbsentVoterType"]).map_err(io)?;
    }

    let street_kinds = WeightedIndex::new(STREET_KINDS.iter().map(|k| k.1)).expect("weights");
    let sizes = WeightedIndex::new([28, 38, 16, 12, 4, 2]).expect("weights");
    let mut summary = Summary { polling_districts: districts.len(), ..Summary::default() };
    let mut remaining = options.electors;
    let total_postcodes = postcode_count;
    let mut postcodes_left = total_postcodes;
    let mut used_streets = std::collections::HashSet::new();

    for (code, ward, postcodes) in &districts {
        let mut number = 0u32;
        for postcode in postcodes {
            if remaining == 0 {
                break;
            }
            // Spread what is left evenly over the postcodes left, with some variety.
            let share = remaining as f64 / postcodes_left as f64;
            postcodes_left -= 1;
            let mut target = ((share * rng.gen_range(0.6..1.4)).round() as usize).max(1).min(remaining);
            if postcodes_left == 0 {
                target = remaining;
            }
            let street = loop {
                let name =
                    format!("{} {}", STREET_STEMS[rng.gen_range(0..STREET_STEMS.len())], STREET_KINDS[street_kinds.sample(&mut rng)].0);
                if used_streets.insert(name.clone()) || used_streets.len() > STREET_STEMS.len() * STREET_KINDS.len() / 2 {
                    break name;
                }
            };
            let is_block = rng.gen_bool(0.08);
            let block = format!("{} {}", street.split(' ').next().unwrap_or("Park"), BLOCK_NAMES[rng.gen_range(0..BLOCK_NAMES.len())]);
            let block_number = rng.gen_range(1..120);
            let mut house = rng.gen_range(1..4) * 2 - 1; // odd side first
            let mut flat = 0;
            let mut placed = 0;
            while placed < target {
                let size = (sizes.sample(&mut rng) + 1).min(target - placed);
                let address: Vec<String> = if is_block {
                    flat += 1;
                    vec![format!("Flat {flat} {block}"), format!("{block_number} {street}"), ward.clone(), "Derby".into()]
                } else {
                    let mut a = vec![format!("{house} {street}"), ward.clone(), "Derby".into()];
                    if rng.gen_bool(0.01) {
                        // A house with a name as well as a number.
                        a.insert(0, HOUSE_NAMES[rng.gen_range(0..HOUSE_NAMES.len())].to_owned());
                    }
                    house += 2;
                    // Cross to the even side halfway along.
                    if placed * 2 >= target && house % 2 == 1 {
                        house = 2;
                    }
                    a
                };
                let people = household(&mut rng, &forenames, &surnames, size, options.register_date);
                // Anonymous electors have no address on the register: a household of them alone
                // is no door.
                summary.households += usize::from(people.iter().any(|p| !p.markers.contains('N')));
                let mut last_suffix = 0;
                for (i, p) in people.iter().enumerate() {
                    number += 1;
                    // Someone who joined the household after the register was numbered: the number
                    // before them with a suffix.
                    let suffix = if i > 0 && last_suffix == 0 && rng.gen_bool(0.02) {
                        number -= 1;
                        1
                    } else {
                        0
                    };
                    last_suffix = suffix;
                    summary.electors += 1;
                    summary.attainers += usize::from(p.dob.is_some());
                    summary.anonymous += usize::from(p.markers.contains('N'));
                    write_elector(&mut csv, options.format, code, number, suffix, p, &address, postcode)?;
                    if let Some(av) = av.as_mut() {
                        let postal_chance = if p.age >= 65 { 0.32 } else { 0.15 };
                        let roll: f64 = rng.gen();
                        let kind = if roll < postal_chance {
                            Some("P")
                        } else if roll < postal_chance + 0.006 {
                            Some("X")
                        } else if roll < postal_chance + 0.007 {
                            Some("PP")
                        } else {
                            None
                        };
                        if let Some(kind) = kind {
                            let n = if suffix == 0 { format!("{code}-{number}") } else { format!("{code}-{number}/{suffix}") };
                            av.write_record([n.as_str(), kind]).map_err(io)?;
                            summary.absent_voters += 1;
                        }
                    }
                }
                placed += size;
            }
            remaining -= placed;
        }
    }
    csv.flush().map_err(|e| e.to_string())?;
    if let Some(mut av) = av {
        av.flush().map_err(|e| e.to_string())?;
    }
    Ok(summary)
}

fn io(e: csv::Error) -> crate::Invalid {
    crate::Invalid::new(format!("cannot write: {e}"))
}

fn household(rng: &mut ChaCha8Rng, forenames: &Forenames, surnames: &Weighted, size: usize, register_date: NaiveDate) -> Vec<Person> {
    let sharers = size >= 3 && rng.gen_bool(0.12);
    let family_surname = surnames.pick(rng);
    let head_age = if sharers { rng.gen_range(19..35) } else { 18 + (rng.gen::<f64>().powf(1.3) * 72.0) as i32 };
    let mut people = Vec::with_capacity(size);
    for i in 0..size {
        let (age, surname) = if sharers {
            (rng.gen_range(18..40), surnames.pick(rng))
        } else if i == 0 {
            (head_age, family_surname)
        } else if i == 1 {
            ((head_age + rng.gen_range(-4..5)).max(18), if rng.gen_bool(0.85) { family_surname } else { surnames.pick(rng) })
        } else if head_age >= 38 {
            let child = (head_age - rng.gen_range(22..36)).max(18);
            (child, family_surname)
        } else {
            (rng.gen_range(18..80), surnames.pick(rng))
        };
        let sex = if (i == 1) ^ rng.gen_bool(0.5) { 'F' } else { 'M' };
        let birth_year = register_date.year() - age;
        let forename = forenames.pick(rng, birth_year, sex);
        let middle = rng.gen_bool(0.35).then(|| forenames.pick(rng, birth_year, sex)).filter(|m| *m != forename);
        // Attainers (16 and 17) are on the register with their date of birth, turning 18 within a
        // year either side of the register date.
        let dob = (age < 18 || rng.gen_bool(0.018)).then(|| register_date - Duration::days(18 * 365 + rng.gen_range(-365..365)));
        let age = if dob.is_some() { 17 } else { age };
        let mut markers = String::new();
        let roll: f64 = rng.gen();
        if roll < 0.035 {
            markers.push('G');
        } else if roll < 0.043 {
            markers.push('B');
        } else if roll < 0.046 {
            markers.push('F');
        } else if roll < 0.0465 {
            markers.push('K');
        } else if roll < 0.0470 {
            markers.push('M');
        } else if roll < 0.0472 {
            markers.push('E');
        } else if roll < 0.0473 {
            markers.push('L');
        }
        if rng.gen_bool(0.0006) {
            markers.push('N');
        }
        if age >= 76 && rng.gen_bool(0.5) {
            markers.push('Z');
        }
        people.push(Person { forename, middle, surname, markers, dob, age });
    }
    people
}

fn write_header(csv: &mut csv::Writer<impl Write>, format: Format) -> Result<(), crate::Invalid> {
    let header: Vec<&str> = match format {
        Format::Xpress13 | Format::Xpress14 => {
            let names: &[&str] = if format == Format::Xpress13 { &["Elector Name"] } else { &["Elector Surname", "Elector Forename"] };
            let mut h = vec!["Elector Number Prefix", "Elector Number", "Elector Number Suffix", "Elector Markers", "Elector DOB"];
            h.extend_from_slice(names);
            h.extend(["PostCode", "Address1", "Address2", "Address3", "Address4", "Address5", "Address6"]);
            h
        }
        _ => vec![
            "ElectorNumber",
            "MarkersRegisterText",
            "ElectorDOB",
            "ElectorSurname",
            "ElectorForename",
            "PropertyAddress1",
            "PropertyAddress2",
            "PropertyAddress3",
            "PropertyAddress4",
            "PropertyAddress5",
            "PropertyPostCode",
        ],
    };
    csv.write_record(header).map_err(io)
}

#[allow(clippy::too_many_arguments)]
fn write_elector(
    csv: &mut csv::Writer<impl Write>,
    format: Format,
    district: &str,
    number: u32,
    suffix: u32,
    p: &Person,
    address: &[String],
    postcode: &Postcode,
) -> Result<(), crate::Invalid> {
    let anonymous = p.markers.contains('N');
    let dob = p.dob.map(|d| d.format("%d/%m/%Y").to_string()).unwrap_or_default();
    let forenames = match p.middle {
        Some(m) => format!("{} {}", p.forename, m),
        None => p.forename.to_owned(),
    };
    let (surname, forenames) = if anonymous { (String::new(), String::new()) } else { (p.surname.to_owned(), forenames) };
    let mut lines: Vec<String> = if anonymous { Vec::new() } else { address.to_vec() };
    let pc = if anonymous { String::new() } else { postcode.to_string() };
    let n = number.to_string();
    let s = suffix.to_string();
    match format {
        Format::Xpress13 | Format::Xpress14 => {
            lines.resize(6, String::new());
            let mut row: Vec<&str> = vec![district, &n, &s, &p.markers, &dob];
            let name = if anonymous { String::new() } else { format!("{surname}, {forenames}") };
            if format == Format::Xpress13 {
                row.push(&name);
            } else {
                row.push(&surname);
                row.push(&forenames);
            }
            row.push(&pc);
            row.extend(lines.iter().map(String::as_str));
            csv.write_record(row).map_err(io)
        }
        _ => {
            lines.resize(5, String::new());
            let number = if suffix == 0 { format!("{district}-{number}") } else { format!("{district}-{number}/{suffix}") };
            let mut row: Vec<&str> = vec![&number, &p.markers, &dob, &surname, &forenames];
            row.extend(lines.iter().map(String::as_str));
            row.push(&pc);
            csv.write_record(row).map_err(io)
        }
    }
}

#[cfg(test)]
mod tests;
