//! Files for people and other programs: the execution report as CSV for any tool and as an Excel
//! workbook laid out as the county finance bureau's 预算执行情况表, the audit export, a subsidy
//! batch's payment file for the treasury, and the ledger as an hledger journal.

use std::fmt::Write;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Formula, Workbook, XlsxError};

use crate::domain::budget::EntryKind;
use crate::domain::performance::execution_rate;
use crate::domain::Money;
use crate::services::views::{AuditEventView, ExecutionView, VoucherView};

const HEADERS: [&str; 10] = [
    "编码",
    "项目名称",
    "层级",
    "年初预算数",
    "调整后预算数",
    "已承诺",
    "已支出",
    "可用余额",
    "执行率(%)",
    "超额分配",
];

/// Text for a CSV cell that a spreadsheet will not run: a value starting with `=`, `+`, `-`, `@`
/// or a control character gets a leading apostrophe (OWASP's advice against formula injection).
pub fn csv_text(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// UTF-8 with a byte-order mark, so Excel on Windows shows the Chinese correctly.
pub fn execution_csv(report: &ExecutionView) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(HEADERS)?;
    for l in &report.lines {
        out.write_record([
            csv_text(&l.code).into_owned(),
            csv_text(&l.name).into_owned(),
            l.depth.to_string(),
            l.original_allocated.to_string(),
            l.allocated.to_string(),
            l.committed.to_string(),
            l.spent.to_string(),
            l.available.to_string(),
            l.execution_rate.clone().unwrap_or_default(),
            l.oversubscribed_by.to_string(),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The audit export as CSV (UTF-8 with a BOM), oldest first as given: one row per status change.
pub fn audit_csv(events: &[AuditEventView]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record([
        "id",
        "at",
        "entity_type",
        "entity_id",
        "action",
        "from_status",
        "to_status",
        "actor_id",
        "note",
    ])?;
    for e in events {
        out.write_record([
            e.id.to_string(),
            e.at.clone(),
            csv_text(&e.entity_type).into_owned(),
            e.entity_id.to_string(),
            csv_text(&e.action).into_owned(),
            e.from_status
                .as_deref()
                .map(csv_text)
                .unwrap_or_default()
                .into_owned(),
            csv_text(&e.to_status).into_owned(),
            e.actor_id.to_string(),
            e.note
                .as_deref()
                .map(csv_text)
                .unwrap_or_default()
                .into_owned(),
        ])?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// A value as the spreadsheet's number type. Excel stores every number as a binary double; this
/// is the one place the service converts to it, for display with two decimals — no arithmetic is
/// ever done on the result.
fn cell(value: Decimal) -> f64 {
    match value.to_f64() {
        Some(number) => number,
        // rust_decimal converts every value (at most 28 digits) to the nearest double.
        None => unreachable!("a decimal has a nearest double: {value}"),
    }
}

/// A real workbook: title, Chinese headers, names indented by depth, amounts as numbers formatted
/// to two decimals, a totals row of the top-level lines with a balance check, frozen header.
pub fn execution_xlsx(report: &ExecutionView) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("预算执行情况")?;
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let text = Format::new().set_border(FormatBorder::Thin);
    let money = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0.00");
    let rate = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.00");
    let bold_money = money.clone().set_bold();

    let last_col = match u16::try_from(HEADERS.len() - 1) {
        Ok(col) => col,
        Err(_) => unreachable!("ten headers"),
    };
    sheet.merge_range(
        0,
        0,
        0,
        last_col,
        &format!("{} {} 年预算执行情况表", report.organisation, report.year),
        &title,
    )?;
    sheet.write_string(1, 0, "单位：元")?;
    for (col, name) in (0u16..).zip(HEADERS) {
        sheet.write_string_with_format(2, col, name, &header)?;
    }
    let first = 3u32;
    let mut row = first;
    for l in &report.lines {
        let indent = match u8::try_from(l.depth.clamp(0, 15)) {
            Ok(indent) => indent,
            Err(_) => unreachable!("a depth clamped to 0–15"),
        };
        sheet.write_string_with_format(row, 0, &l.code, &text)?;
        sheet.write_string_with_format(row, 1, &l.name, &text.clone().set_indent(indent))?;
        sheet.write_number_with_format(row, 2, l.depth, &text)?;
        for (col, amount) in [
            (3, l.original_allocated),
            (4, l.allocated),
            (5, l.committed),
            (6, l.spent),
            (7, l.available),
        ] {
            sheet.write_number_with_format(row, col, cell(amount.to_decimal()), &money)?;
        }
        match execution_rate(l.spent, l.allocated) {
            Some(r) => sheet.write_number_with_format(row, 8, cell(r), &rate)?,
            None => sheet.write_string_with_format(row, 8, "", &text)?,
        };
        sheet.write_number_with_format(row, 9, cell(l.oversubscribed_by.to_decimal()), &money)?;
        row += 1;
    }
    let last = row; // one past the data, 0-based; Excel rows are 1-based
    let top = |pick: fn(&crate::services::views::ExecutionLineView) -> Money| {
        Money::checked_sum(report.lines.iter().filter(|l| l.depth == 0).map(pick)).ok_or_else(
            || XlsxError::ParameterError("a total of the top-level lines is out of range".into()),
        )
    };
    sheet.write_string_with_format(last, 1, "合计（一级项目）", &header)?;
    for (col, letter, value) in [
        (3u16, "D", top(|l| l.original_allocated)),
        (4, "E", top(|l| l.allocated)),
        (5, "F", top(|l| l.committed)),
        (6, "G", top(|l| l.spent)),
        (7, "H", top(|l| l.available)),
    ] {
        let value = value?;
        let formula = Formula::new(format!(
            "=SUMIF($C${}:$C${},0,{letter}{}:{letter}{})",
            first + 1,
            last,
            first + 1,
            last
        ))
        .set_result(value.to_string());
        sheet.write_formula_with_format(last, col, formula, &bold_money)?;
    }
    let n = last + 1;
    sheet.write_string_with_format(
        last + 1,
        1,
        "校验：调整后预算数 − 已承诺 − 已支出 − 可用余额",
        &text,
    )?;
    let check = Formula::new(format!(
        "=IF(ROUND(E{n}-F{n}-G{n}-H{n},2)=0,\"平衡\",\"不平衡\")"
    ))
    .set_result("平衡");
    sheet.write_formula_with_format(last + 1, 4, check, &text)?;
    sheet.set_freeze_panes(first, 0)?;
    for (col, width) in [
        (0u16, 42.0),
        (1, 34.0),
        (2, 6.0),
        (3, 16.0),
        (4, 16.0),
        (5, 14.0),
        (6, 14.0),
        (7, 16.0),
        (8, 11.0),
        (9, 14.0),
    ] {
        sheet.set_column_width(col, width)?;
    }
    book.save_to_buffer()
}

// ----- the subsidy payment file --------------------------------------------------------------

/// One recipient of a batch as the treasury pays them: identity number and account whole (an
/// empty text when not known yet), the amount and the months it is for.
pub struct PaymentLine {
    pub name: String,
    pub id_number: String,
    pub bank_name: String,
    pub bank_account: String,
    pub amount: Money,
    /// `(year, month)`, in order.
    pub months: Vec<(i32, u32)>,
}

/// The payment file's header, as the treasury's 代发 form names its columns.
pub const PAYMENT_HEADERS: [&str; 7] =
    ["序号", "姓名", "身份证号", "开户行", "账号", "金额", "月份"];

/// Months as a treasury clerk reads them: runs of consecutive months `2021-01至2021-06`, runs
/// apart joined by 、 (`2021-01至2021-02、2021-05`), a lone month as itself.
pub fn month_span(months: &[(i32, u32)]) -> String {
    let index = |(y, m): (i32, u32)| i64::from(y) * 12 + i64::from(m);
    let label = |(y, m): (i32, u32)| format!("{y:04}-{m:02}");
    let mut runs: Vec<((i32, u32), (i32, u32))> = Vec::new();
    for &month in months {
        match runs.last_mut() {
            Some((_, last)) if index(month) == index(*last) + 1 => *last = month,
            _ => runs.push((month, month)),
        }
    }
    runs.into_iter()
        .map(|(first, last)| {
            if first == last {
                label(first)
            } else {
                format!("{}至{}", label(first), label(last))
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// A subsidy batch's disbursement list (代发) for the treasury: UTF-8 with a byte-order mark (so
/// Excel on Windows reads the Chinese), the header [`PAYMENT_HEADERS`], one row per recipient and
/// a last 合计 row with the batch's total. Every text a person typed goes through [`csv_text`].
pub fn payment_csv(lines: &[PaymentLine], total: Money) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(PAYMENT_HEADERS)?;
    for (n, line) in lines.iter().enumerate() {
        out.write_record([
            (n + 1).to_string(),
            csv_text(&line.name).into_owned(),
            csv_text(&line.id_number).into_owned(),
            csv_text(&line.bank_name).into_owned(),
            csv_text(&line.bank_account).into_owned(),
            line.amount.to_string(),
            month_span(&line.months),
        ])?;
    }
    out.write_record([
        "合计".to_string(),
        format!("{} 人", lines.len()),
        String::new(),
        String::new(),
        String::new(),
        total.to_string(),
        String::new(),
    ])?;
    out.into_inner().map_err(|e| e.into_error().into())
}

// ----- the hledger journal -------------------------------------------------------------------

/// One ledger entry as the journal writes it.
pub struct JournalEntry {
    pub id: i64,
    pub on: NaiveDate,
    pub kind: EntryKind,
    /// The line's code, `dept.project.cadre-subsidy`.
    pub code: String,
    pub amount: Money,
    /// The document it was posted for: `travel_claim 42`.
    pub source: String,
}

/// hledger's name for a line: `dept.project.cadre-subsidy` → `dept:project:cadre-subsidy`, so
/// that hledger rolls committed and spent up the tree exactly as the ledger does.
fn account(code: &str) -> String {
    code.replace('.', ":")
}

/// The year's ledger as an hledger journal, one transaction per entry.
///
/// Accounts: `allocated:<code>` (a line's own allocation, never rolled up), and
/// `committed:<path>` and `spent:<path>` (rolled up by hledger's account tree), balanced against
/// `funding` and `reserve`. For every line, `hledger bal --tree` then shows allocated, committed
/// and spent equal to the execution report.
pub fn journal(org: &str, year: i32, entries: &[JournalEntry]) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    writeln!(out, "; {org} {year} budget ledger, exported by baoxiao")?;
    writeln!(
        out,
        "; one transaction per ledger entry; amounts in yuan (CNY)\n"
    )?;
    writeln!(out, "commodity 1,000.00 CNY\n")?;
    for e in entries {
        let (code, kind, amount, source) = (&e.code, e.kind, e.amount, &e.source);
        writeln!(
            out,
            "{} * {} {code}  ; entry:{}, source:{source}",
            e.on,
            kind.as_str(),
            e.id
        )?;
        let path = account(code);
        let (debit, credit) = match kind {
            // R14: an adjustment is a signed allocation (a negative one reverses the posting).
            EntryKind::Allocate | EntryKind::Adjust => {
                (format!("allocated:{code}"), "funding".to_string())
            }
            EntryKind::Commit => (format!("committed:{path}"), "reserve".to_string()),
            EntryKind::Release => ("reserve".to_string(), format!("committed:{path}")),
            EntryKind::Spend => (format!("spent:{path}"), format!("committed:{path}")),
        };
        // Out of range only for fen of `i64::MIN`, which no ledger holds: the journal fails
        // rather than print a balancing posting that does not balance.
        let negated = Money::ZERO.checked_sub(amount).ok_or(std::fmt::Error)?;
        writeln!(
            out,
            "    {debit:<60}  {amount} CNY\n    {credit:<60}  {negated} CNY\n"
        )?;
    }
    Ok(out)
}

// ----- vouchers (R20) --------------------------------------------------------------------------

const VOUCHER_HEADERS: [&str; 13] = [
    "凭证号",
    "日期",
    "摘要",
    "附单据",
    "来源",
    "来源编号",
    "冲销凭证",
    "账套",
    "科目编码",
    "科目名称",
    "借方金额",
    "贷方金额",
    "项目",
];

/// One row of a voucher export: the voucher's head, then one line's fields.
fn voucher_rows(list: &[VoucherView]) -> Vec<[String; 13]> {
    let mut rows = Vec::new();
    for v in list {
        for l in &v.lines {
            rows.push([
                v.number.clone(),
                v.date.to_string(),
                csv_text(&v.summary).into_owned(),
                v.attachments.to_string(),
                v.source.kind.clone(),
                v.source.id.to_string(),
                v.reverses.map(|r| r.to_string()).unwrap_or_default(),
                ledger_name(&l.ledger).to_string(),
                csv_text(&l.account_code).into_owned(),
                csv_text(&l.account_name).into_owned(),
                l.debit.to_string(),
                l.credit.to_string(),
                csv_text(l.project.as_deref().unwrap_or("")).into_owned(),
            ]);
        }
    }
    rows
}

fn ledger_name(ledger: &str) -> &'static str {
    match crate::domain::voucher::Ledger::parse(ledger) {
        Some(l) => l.chinese(),
        None => "",
    }
}

/// The vouchers as CSV (UTF-8 with a BOM), one row per line, in number order.
pub fn vouchers_csv(list: &[VoucherView]) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    out.write_record(VOUCHER_HEADERS)?;
    for row in voucher_rows(list) {
        out.write_record(row)?;
    }
    out.into_inner().map_err(|e| e.into_error().into())
}

/// The vouchers as a workbook, one row per line, amounts as numbers.
pub fn vouchers_xlsx(list: &[VoucherView]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("记账凭证")?;
    let header = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_align(FormatAlign::Center);
    let money = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0.00");
    let text = Format::new().set_border(FormatBorder::Thin);
    for (col, name) in (0u16..).zip(VOUCHER_HEADERS) {
        sheet.write_string_with_format(0, col, name, &header)?;
    }
    let mut row = 1u32;
    for v in list {
        for l in &v.lines {
            let cells = [
                v.number.as_str(),
                &v.date.to_string(),
                &v.summary,
                &v.attachments.to_string(),
                &v.source.kind,
                &v.source.id.to_string(),
                &v.reverses.map(|r| r.to_string()).unwrap_or_default(),
                ledger_name(&l.ledger),
                &l.account_code,
                &l.account_name,
            ];
            for (col, value) in (0u16..).zip(cells) {
                sheet.write_string_with_format(row, col, value, &text)?;
            }
            sheet.write_number_with_format(row, 10, cell(l.debit.to_decimal()), &money)?;
            sheet.write_number_with_format(row, 11, cell(l.credit.to_decimal()), &money)?;
            sheet.write_string_with_format(row, 12, l.project.as_deref().unwrap_or(""), &text)?;
            row += 1;
        }
    }
    sheet.set_column_width(2, 36)?;
    sheet.set_column_width(9, 20)?;
    book.save_to_buffer()
}

/// An account of the voucher journal: the ledger as the top-level account, then the code and
/// name (`financial:5001 业务活动费用`), so `hledger bal financial` totals one ledger.
fn voucher_account(ledger: &str, code: &str, name: &str) -> String {
    // hledger ends an account name at two spaces or a tab; a name keeps single spaces only.
    let clean = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{}:{} {}", clean(ledger), clean(code), clean(name))
}

/// The vouchers as an hledger journal: one transaction per voucher, dated its day, coded with
/// its number; the two ledgers (`financial`, `budgetary`) are top-level accounts, and each
/// transaction balances (each ledger does, so their sum does).
pub fn vouchers_journal(org: &str, list: &[VoucherView]) -> Result<String, std::fmt::Error> {
    let mut out = String::new();
    writeln!(out, "; {org} vouchers (记账凭证), exported by baoxiao")?;
    writeln!(
        out,
        "; financial = 财务会计, budgetary = 预算会计; amounts in yuan (CNY)\n"
    )?;
    writeln!(out, "commodity 1,000.00 CNY\n")?;
    let mut accounts = std::collections::BTreeSet::new();
    for v in list {
        for l in &v.lines {
            accounts.insert(voucher_account(&l.ledger, &l.account_code, &l.account_name));
        }
    }
    for a in &accounts {
        writeln!(out, "account {a}")?;
    }
    writeln!(out)?;
    for v in list {
        let summary = v.summary.replace(['\n', '\r', ';'], " ");
        writeln!(out, "{} * ({}) {summary}", v.date, v.number)?;
        for l in &v.lines {
            let amount = if l.credit.is_zero() {
                l.debit
            } else {
                Money::ZERO.checked_sub(l.credit).ok_or(std::fmt::Error)?
            };
            let account = voucher_account(&l.ledger, &l.account_code, &l.account_name);
            writeln!(out, "    {account:<40}  {amount} CNY")?;
        }
        writeln!(out)?;
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn months_read_as_runs() {
        let h1: Vec<(i32, u32)> = (1..=6).map(|m| (2021, m)).collect();
        assert_eq!(month_span(&h1), "2021-01至2021-06");
        assert_eq!(month_span(&[(2021, 9)]), "2021-09");
        assert_eq!(
            month_span(&[(2021, 1), (2021, 2), (2021, 5)]),
            "2021-01至2021-02、2021-05"
        );
        assert_eq!(
            month_span(&[(2021, 11), (2021, 12), (2022, 1)]),
            "2021-11至2022-01"
        );
        assert_eq!(month_span(&[]), "");
    }

    #[test]
    fn the_payment_file_has_a_bom_chinese_headers_rows_and_a_total() {
        let lines = [
            PaymentLine {
                name: "郭老".into(),
                id_number: "11010519491231002X".into(),
                bank_name: "中国农业银行邢台分行".into(),
                bank_account: "6222020200012345".into(),
                amount: Money::from_fen(660_000),
                months: (1..=6).map(|m| (2021, m)).collect(),
            },
            PaymentLine {
                name: "=HYPERLINK(\"http://x\")".into(),
                id_number: String::new(),
                bank_name: "@农行".into(),
                bank_account: String::new(),
                amount: Money::from_fen(110_000),
                months: vec![(2021, 6)],
            },
        ];
        let bytes = payment_csv(&lines, Money::from_fen(770_000)).unwrap();
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let rows: Vec<&str> = text.lines().collect();
        assert_eq!(
            rows,
            [
                "序号,姓名,身份证号,开户行,账号,金额,月份",
                "1,郭老,11010519491231002X,中国农业银行邢台分行,6222020200012345,6600.00,2021-01至2021-06",
                "2,\"'=HYPERLINK(\"\"http://x\"\")\",,'@农行,,1100.00,2021-06",
                "合计,2 人,,,,7700.00,",
            ]
        );
    }
}
