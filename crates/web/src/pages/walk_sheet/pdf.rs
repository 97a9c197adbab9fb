//! The walk sheet as a PDF on A4 portrait. Set in Helvetica, one of the fonts every PDF reader
//! has, so nothing is embedded and a 60-door walk is a few kilobytes. Page one carries the
//! walk's name, the canvasser's and date's blanks and the key to the codes; every page repeats
//! the column heads (the questions turned on their side over narrow boxes) and names the walk
//! and the page at its foot. A door's lines are never split across two pages.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::{Line, Sheet};

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
/// About 10 mm all round.
const MARGIN: f32 = 28.0;
const TEXT: f32 = 7.5;
const ROW: f32 = 10.5;
/// The column heads: tall enough for a question's name turned on its side.
const HEAD: f32 = 76.0;
const FOOT: f32 = 14.0;
const NUM_W: f32 = 16.0;
const ADDRESS_W: f32 = 104.0;
const ELECTOR_W: f32 = 146.0;
/// A box for one code: about 6 mm, room for "Lab" or "5".
const BOX_W: f32 = 17.0;
/// Room left for the note, at the least.
const NOTE_MIN: f32 = 60.0;
const PAD: f32 = 1.8;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

#[derive(Clone, Copy)]
enum Face {
    Regular,
    Bold,
}

impl Face {
    fn name(self) -> Name<'static> {
        match self {
            Face::Regular => REGULAR,
            Face::Bold => BOLD,
        }
    }
}

/// The sheet as the bytes of a PDF file.
pub fn render(sheet: &Sheet<'_>) -> Vec<u8> {
    let width = PAGE_W - 2.0 * MARGIN;
    let boxes = sheet.boxes();
    // With a long survey the boxes narrow, never the note below its least.
    let box_w = BOX_W.min((width - NUM_W - ADDRESS_W - ELECTOR_W - NOTE_MIN) / boxes.len() as f32);
    let columns = Columns { box_w, boxes: boxes.len() };

    // Page one's header: title, summary, blanks, then the key wrapped to the page's width.
    let header: Vec<(Face, f32, String)> = vec![
        (Face::Bold, 12.0, sheet.title().to_owned()),
        (Face::Regular, 8.0, sheet.summary()),
        (Face::Regular, 8.0, "Canvasser: ______________________________   Date: ________________".to_owned()),
    ];
    // The key: each question's name in bold, its codes after it (wrapped under it if long).
    let mut key: Vec<(Option<String>, f32, String)> = Vec::new();
    for (label, codes) in sheet.legend() {
        let label = format!("{label}: ");
        let indent = measure(&label, Face::Bold, 7.0);
        for (i, line) in wrap(&codes, Face::Regular, 7.0, width - indent).into_iter().enumerate() {
            key.push(((i == 0).then(|| label.clone()), indent, line));
        }
    }
    let header_h: f32 = header.iter().map(|(_, size, _)| size * 1.3).sum::<f32>() + key.len() as f32 * 7.0 * 1.3 + 4.0;

    let pages = paginate(&sheet.lines, header_h);
    let total = pages.len();

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let (regular, bold) = (Ref::new(3), Ref::new(4));
    let info = Ref::new(5);
    let page_ids: Vec<(Ref, Ref)> = (0..total).map(|i| (Ref::new(6 + 2 * i as i32), Ref::new(7 + 2 * i as i32))).collect();
    pdf.catalog(catalog).pages(tree).lang(TextStr("en-GB"));
    pdf.pages(tree).kids(page_ids.iter().map(|(p, _)| *p)).count(total as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    let title = format!("Walk sheet: {}", sheet.title());
    pdf.document_info(info).title(TextStr(&title)).creator(TextStr("groundgame"));

    for (i, lines) in pages.iter().enumerate() {
        let (page_id, content_id) = page_ids[i];
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        page.resources().fonts().pair(REGULAR, regular).pair(BOLD, bold);
        page.finish();

        let mut c = Content::new();
        let mut top = PAGE_H - MARGIN;
        if i == 0 {
            for (face, size, text) in &header {
                top -= size * 1.3;
                show(&mut c, *face, *size, MARGIN, top + size * 0.25, text);
            }
            for (label, indent, codes) in &key {
                top -= 7.0 * 1.3;
                if let Some(label) = label {
                    show(&mut c, Face::Bold, 7.0, MARGIN, top + 1.75, label);
                }
                show(&mut c, Face::Regular, 7.0, MARGIN + indent, top + 1.75, codes);
            }
            top -= 4.0;
        }
        top = columns.draw_heads(&mut c, &boxes, top);
        for line in lines {
            columns.draw_line(&mut c, line, top);
            top -= ROW;
        }
        let foot = format!("{} · page {} of {}", sheet.title(), i + 1, total);
        let w = measure(&foot, Face::Regular, 7.0);
        show(&mut c, Face::Regular, 7.0, PAGE_W - MARGIN - w, MARGIN - 2.0, &foot);
        pdf.stream(content_id, &c.finish());
    }
    pdf.finish()
}

/// Splits the lines into pages: a door's lines stay together unless the door alone is taller
/// than a page.
fn paginate<'s, 'a>(lines: &'s [Line<'a>], first_header: f32) -> Vec<Vec<&'s Line<'a>>> {
    let room = |first: bool| {
        let h = PAGE_H - 2.0 * MARGIN - FOOT - HEAD - if first { first_header } else { 0.0 };
        ((h / ROW).floor() as usize).max(1)
    };
    let mut pages: Vec<Vec<&Line>> = vec![Vec::new()];
    for door in lines.chunk_by(|a, b| a.door == b.door) {
        for (j, line) in door.iter().enumerate() {
            let used = pages.last().map_or(0, Vec::len);
            let left = room(pages.len() == 1) - used;
            // A door starts on a new page if it does not fit on this one (and would on a new one).
            let starts_door = j == 0 && door.len() > left && door.len() <= room(false) && used > 0;
            if starts_door || left == 0 {
                pages.push(Vec::new());
            }
            pages.last_mut().expect("a page").push(line);
        }
    }
    pages
}

struct Columns {
    box_w: f32,
    boxes: usize,
}

impl Columns {
    fn elector_x(&self) -> f32 {
        MARGIN + NUM_W + ADDRESS_W
    }

    fn box_x(&self, i: usize) -> f32 {
        self.elector_x() + ELECTOR_W + i as f32 * self.box_w
    }

    fn note_x(&self) -> f32 {
        self.box_x(self.boxes)
    }

    fn right(&self) -> f32 {
        PAGE_W - MARGIN
    }

    /// The column heads, from `top` down; returns where the lines start.
    fn draw_heads(&self, c: &mut Content, boxes: &[&str], top: f32) -> f32 {
        let bottom = top - HEAD;
        c.set_fill_gray(0.92);
        c.rect(MARGIN, bottom, self.right() - MARGIN, HEAD);
        c.fill_nonzero();
        c.set_fill_gray(0.0);
        let base = bottom + 3.0;
        show(c, Face::Bold, TEXT, MARGIN + PAD, base, "#");
        show(c, Face::Bold, TEXT, MARGIN + NUM_W + PAD, base, "Address");
        show(c, Face::Bold, TEXT, self.elector_x() + PAD, base, "Elector");
        show(c, Face::Bold, TEXT, self.note_x() + PAD, base, "Note");
        // Each question's name runs up its box.
        let size = 6.5_f32.min(self.box_w * 0.6);
        for (i, head) in boxes.iter().enumerate() {
            let text = fit(head, Face::Bold, size, HEAD - 2.0 * PAD);
            let x = self.box_x(i) + (self.box_w + size * 0.7) / 2.0;
            c.begin_text();
            c.set_font(Face::Bold.name(), size);
            c.set_text_matrix([0.0, 1.0, -1.0, 0.0, x, bottom + PAD]);
            c.show(Str(&win_ansi(&text)));
            c.end_text();
        }
        c.set_line_width(0.4);
        c.set_stroke_gray(0.35);
        c.rect(MARGIN, bottom, self.right() - MARGIN, HEAD);
        for x in [MARGIN + NUM_W, self.elector_x()].into_iter().chain((0..=self.boxes).map(|i| self.box_x(i))) {
            c.move_to(x, bottom);
            c.line_to(x, top);
        }
        c.stroke();
        bottom
    }

    /// One line of the sheet, its top at `top`.
    fn draw_line(&self, c: &mut Content, line: &Line<'_>, top: f32) {
        let bottom = top - ROW;
        let base = bottom + 3.0;
        if line.first {
            show(c, Face::Bold, TEXT, MARGIN + PAD, base, &line.door.to_string());
            show(c, Face::Bold, TEXT, MARGIN + NUM_W + PAD, base, &fit(&line.address, Face::Bold, TEXT, ADDRESS_W - 2.0 * PAD));
        }
        let elector = fit(&line.elector_text(), Face::Regular, TEXT, ELECTOR_W - 2.0 * PAD);
        show(c, Face::Regular, TEXT, self.elector_x() + PAD, base, &elector);
        // The grid: a heavy rule above each door, light ones between its electors, and the boxes.
        c.set_stroke_gray(if line.first { 0.0 } else { 0.55 });
        c.set_line_width(if line.first { 1.0 } else { 0.3 });
        let from = if line.first { MARGIN } else { self.elector_x() };
        c.move_to(from, top);
        c.line_to(self.right(), top);
        c.stroke();
        c.set_stroke_gray(0.45);
        c.set_line_width(0.4);
        for x in [MARGIN, MARGIN + NUM_W, self.elector_x(), self.right()].into_iter().chain((0..=self.boxes).map(|i| self.box_x(i))) {
            c.move_to(x, bottom);
            c.line_to(x, top);
        }
        c.move_to(MARGIN, bottom);
        c.line_to(self.right(), bottom);
        c.stroke();
    }
}

fn show(c: &mut Content, face: Face, size: f32, x: f32, y: f32, text: &str) {
    c.begin_text();
    c.set_font(face.name(), size);
    c.next_line(x, y);
    c.show(Str(&win_ansi(text)));
    c.end_text();
}

/// The characters of WinAnsiEncoding beyond Latin-1, at their codes 0x80..0x9F.
const WIN_ANSI_EXTRA: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// Text in the encoding of the PDF's built-in fonts. A name the encoding cannot spell (Łukasz,
/// Nguyễn) is spelt in its nearest Latin letters rather than lost.
fn win_ansi(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            ' '..='~' => out.push(ch as u8),
            '\u{a0}'..='\u{ff}' => out.push(ch as u32 as u8),
            _ => match WIN_ANSI_EXTRA.iter().find(|(c, _)| *c == ch) {
                Some((_, code)) => out.push(*code),
                None => out.extend(deunicode::deunicode_char(ch).unwrap_or("?").bytes().filter(|b| (b' '..=b'~').contains(b))),
            },
        }
    }
    out
}

/// Advance widths of ' ' to '~' in thousandths of the size, from Adobe's Core 14 font metrics.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278,
    278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556,
    556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333,
    333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611,
    611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// How wide a text is set, in points. A letter beyond ASCII is taken as wide as the letter it
/// is spelt with (é as e); one with no such letter as a digit.
fn measure(text: &str, face: Face, size: f32) -> f32 {
    let table = match face {
        Face::Regular => &HELVETICA,
        Face::Bold => &HELVETICA_BOLD,
    };
    let width = |b: u8| if (b' '..=b'~').contains(&b) { table[(b - b' ') as usize] } else { 556 };
    let units: u32 = text
        .chars()
        .map(|ch| match ch {
            ' '..='~' => u32::from(width(ch as u8)),
            '…' | '—' | '‰' => 1000,
            _ => deunicode::deunicode_char(ch).and_then(|s| s.bytes().next()).map_or(556, |b| u32::from(width(b))),
        })
        .sum();
    units as f32 * size / 1000.0
}

/// The text, cut with an ellipsis where it would run past `width`.
fn fit(text: &str, face: Face, size: f32, width: f32) -> String {
    if measure(text, face, size) <= width {
        return text.to_owned();
    }
    let ellipsis = measure("…", face, size);
    let mut out = String::new();
    for ch in text.chars() {
        let mut next = out.clone();
        next.push(ch);
        if measure(&next, face, size) + ellipsis > width {
            break;
        }
        out = next;
    }
    out.trim_end().to_owned() + "…"
}

/// The text broken into lines of at most `width`, at spaces.
fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if measure(&candidate, face, size) <= width || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::take(&mut line));
            line = word.to_owned();
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines.into_iter().map(|l| fit(&l, face, size, width)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_fonts_cannot_spell_are_spelt_in_latin_letters() {
        assert_eq!(win_ansi("O'Brien"), b"O'Brien");
        assert_eq!(win_ansi("Zoë"), b"Zo\xeb");
        assert_eq!(win_ansi("Łukasz"), b"Lukasz");
        assert_eq!(win_ansi("a – b"), b"a \x96 b");
    }

    #[test]
    fn text_is_cut_to_its_column_and_wrapped_at_spaces() {
        // 'i' is narrower than 'M' in Helvetica.
        assert!(measure("iiii", Face::Regular, 10.0) < measure("MMMM", Face::Regular, 10.0));
        assert!((measure("M", Face::Regular, 10.0) - 8.33).abs() < 0.01);
        let cut = fit("A very long address that will not fit, Derby", Face::Bold, TEXT, 60.0);
        assert!(cut.ends_with('…') && measure(&cut, Face::Bold, TEXT,) <= 60.0, "{cut}");
        assert_eq!(fit("Short", Face::Regular, TEXT, 60.0), "Short");
        let lines = wrap("one two three four five six seven eight nine ten", Face::Regular, 10.0, 60.0);
        assert!(lines.len() > 1 && lines.iter().all(|l| measure(l, Face::Regular, 10.0) <= 60.0), "{lines:?}");
        assert_eq!(lines.join(" "), "one two three four five six seven eight nine ten");
    }
}
