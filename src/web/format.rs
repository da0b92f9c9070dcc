//! How the pages write things: amounts `¥1,231.00`, amounts in capitals (R13), dates, statuses,
//! rule items and refusals in Chinese. Templates print what these return and format nothing.

use chrono::NaiveDate;

use crate::domain::capitals::in_words;
use crate::domain::einvoice::{FileProblem, Refusal};
use crate::domain::status::{
    Action, AdjustmentStatus, BatchAction, BatchStatus, ClaimAction, ClaimStatus, RequestStatus,
    Status,
};
use crate::domain::{FieldProblem, Money, TripPart};
use crate::error::AppError;

/// `¥1,231.00`: thousands separators, two decimals; a negative amount `-¥40.00`.
pub fn yuan(amount: Money) -> String {
    let plain = grouped(amount);
    match plain.strip_prefix('-') {
        Some(rest) => format!("-¥{rest}"),
        None => format!("¥{plain}"),
    }
}

/// `1,231.00`: as [`yuan`] without the sign ¥.
pub fn grouped(amount: Money) -> String {
    let text = amount.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, cents) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut out = String::with_capacity(whole.len() + whole.len() / 3 + 4);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}.{cents}")
}

/// The amount in capitals as a form writes it: `人民币壹仟贰佰叁拾壹元整` (R13).
pub fn capitals(amount: Money) -> String {
    format!("人民币{}", in_words(amount))
}

/// `2021-05-10`.
/// The banner of an organisation whose books are pinned to `day` (the demo):
/// 「演示数据：本单位的日历停在 2021年12月8日，“今天”按这一天计算。」
pub fn pinned_calendar(day: NaiveDate) -> String {
    use chrono::Datelike;
    format!(
        "演示数据：本单位的日历停在 {}年{}月{}日，“今天”按这一天计算。",
        day.year(),
        day.month(),
        day.day()
    )
}

pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// A span of days, both ends included: `2021-05-10 至 2021-05-12`.
pub fn dates(from: NaiveDate, to: NaiveDate) -> String {
    format!("{} 至 {}", date(from), date(to))
}

/// A stored UTC timestamp (RFC 3339) as the organisation's local time, `2021-05-10 09:30`.
pub fn local_time(rfc3339: &str, zone: chrono_tz::Tz) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_string())
}

/// A status written as text (a refusal names it so) in Chinese (web.md): a text means the same
/// whichever document's status it is.
pub fn status(code: &str) -> &'static str {
    ClaimStatus::parse(code)
        .map(ClaimStatus::chinese)
        .or_else(|| BatchStatus::parse(code).map(BatchStatus::chinese))
        .or_else(|| RequestStatus::parse(code).map(RequestStatus::chinese))
        .or_else(|| AdjustmentStatus::parse(code).map(AdjustmentStatus::chinese))
        .unwrap_or("未知")
}

/// What a status change did, in Chinese.
pub fn action(code: &str) -> &'static str {
    match code {
        "submit" => "提交",
        "approve" => "批准",
        "reject" => "驳回",
        "pay" => "支付",
        // A subsidy batch's void: the audit trail names it as the refusal does.
        code if code == BatchAction::Void.as_str() => "作废",
        "request" => "申请",
        "cancel" => "撤回",
        "pay_advance" | "pay an advance on" => "支付借款",
        "advance_returned" | "record an advance returned on" => "登记退还借款",
        "name in this claim" => "用于这张报销单",
        "withdraw" => "撤回",
        "save_draft" => "保存草稿",
        "edit" => "修改草稿",
        "delete" => "删除草稿",
        "amend" => "修改后重新提交",
        "copy" => "复制",
        "draft_from_request" => "据出差申请填写",
        "regenerate" => "重新生成",
        "pay out" => "下载代发文件",
        "attach" => "添加附件",
        "remove_attachment" => "删除附件",
        _ => "变更",
    }
}

/// What was asked of a subsidy batch (a refusal names it so), as a clerk says it.
pub fn batch_action(text: &str) -> &'static str {
    [
        (BatchAction::Approve, "批准"),
        (BatchAction::Pay, "登记支付"),
        (BatchAction::Void, "作废"),
        (BatchAction::Regenerate, "重新生成"),
        (BatchAction::PayOut, "下载代发文件"),
    ]
    .into_iter()
    .find(|(action, _)| action.as_str() == text)
    .map_or("这样操作", |(_, what)| what)
}

/// A breakdown item in Chinese, as finance offices name them.
pub fn item(code: &str) -> &'static str {
    match code {
        "lodging" => "住宿费",
        "meal_allowance" => "伙食补助费",
        "meal_deduction" => "伙食费扣除（对方提供餐食）",
        "transport_allowance" => "市内交通费",
        "ticket" => "城市间交通费",
        _ => "其他",
    }
}

/// An estimate line's basis in Chinese, worded as the claim page words its lines (R-number, item,
/// the city by name, the rate), times the nights or days and the travellers:
/// `R4 住宿费：北京每晚不超过 ¥400.00 × 3 晚 × 2 人`.
pub fn estimate_rule(item: &str, b: &crate::wire::travel_requests::EstimateBasis) -> String {
    let people = if b.travellers > 1 {
        format!(" × {} 人", b.travellers)
    } else {
        String::new()
    };
    let (number, unit, per) = match item {
        "lodging" => ("R4", "晚", "每晚不超过 "),
        "meal_allowance" => ("R5", "天", "每天 "),
        "transport_allowance" => ("R6", "天", "每天 "),
        _ => return format!("R7 {}：车船机票预估，按票据实报", self::item(item)),
    };
    let name = self::item(item);
    let city = &b.city;
    let count = b.count;
    match b.rate {
        Some(rate) => format!(
            "{number} {name}：{city}{per}{} × {count} {unit}{people}",
            yuan(rate)
        ),
        None => format!("{number} {name}：{city} {count} {unit}{people}"),
    }
}

/// Why a claim pays nothing for lodging, in Chinese.
pub fn ineligible(code: &str) -> &'static str {
    match code {
        "missing_lodging_invoice" => {
            "缺少住宿发票：按 R4，有住宿没有发票的报销单整张不予报销，可报销 ¥0.00；补齐发票后重新提交。"
        }
        _ => "部分费用不予报销。",
    }
}

/// A request field's last name (`check_out`, `paid_on`) as the pages label it, or `None` for
/// a name no page shows.
pub fn label(name: &str) -> Option<&'static str> {
    Some(match name {
        "purpose" => "事由",
        "destination" => "目的地",
        "departure_date" => "出发日期",
        "return_date" => "返回日期",
        "budget_line_id" | "line_id" => "预算科目",
        "from_line_id" => "调出科目",
        "travel_request_id" => "出差申请",
        "city" => "城市",
        "check_in" => "入住日期",
        "check_out" => "退房日期",
        "lodging_amount" => "住宿费金额",
        "invoice" => "住宿发票",
        "invoice_no" => "发票号码",
        "invoice_code" => "发票代码",
        "description" => "票据说明",
        "amount" => "金额",
        "date" => "日期",
        "vehicle_provided_dates" => "对方派车日期",
        "login" => "登录名",
        "password" => "新密码",
        "current" => "当前密码",
        "reason" => "理由",
        "paid_on" => "支付日期",
        "returned_on" => "退还日期",
        "advance_requested" => "借款金额",
        "tickets_estimate" => "城市间交通费预估",
        "travellers" => "出差人数",
        "kind" => "调整方式",
        "document_no" => "文号",
        "name" => "名称",
        "from" => "开始日期",
        "to" => "结束日期",
        "extra_staff" => "增加人数",
        "as_of" => "截至日期",
        "year" => "年度",
        "half" => "半年",
        "monthly_amount" => "每月金额",
        "id_number" => "身份证号",
        "bank_name" => "开户行",
        "bank_account" => "账号",
        "enrolled_from" => "享受开始日期",
        "enrolled_until" => "享受截止日期",
        "effective_from" => "生效日期",
        "stays" => "住宿",
        "tickets" => "城市间交通",
        "meals_provided" => "对方提供餐食",
        _ => return None,
    })
}

/// A request field (its JSON path) as the form labels it: `stays[0].check_out` → 住宿第1行「退房日期」.
pub fn field(path: &str) -> String {
    let rows = [
        ("stays", "住宿"),
        ("tickets", "城市间交通"),
        ("meals_provided", "对方提供餐食"),
        ("vehicle_provided_dates", "对方派车"),
    ];
    for (key, name) in rows {
        if let Some(rest) = path.strip_prefix(key).and_then(|r| r.strip_prefix('[')) {
            if let Some((index, after)) = rest.split_once(']') {
                let row = index.parse::<usize>().map(|i| i + 1).unwrap_or(0);
                return match label(after.trim_start_matches('.')) {
                    Some(inner) if !after.is_empty() => format!("{name}第{row}行「{inner}」"),
                    _ => format!("{name}第{row}行"),
                };
            }
        }
    }
    match label(path) {
        Some(known) => format!("「{known}」"),
        // A field no form shows (an API-only one): named as what it is, never by its code.
        None => "这一项".to_string(),
    }
}

/// A refusal in Chinese, shown in place on the page.
pub fn refusal(error: &AppError) -> String {
    match error {
        AppError::InsufficientBudget(i) => format!(
            "预算不足：{} 可用 {}，本次需要 {}",
            i.line_name,
            yuan(i.available),
            yuan(i.requested)
        ),
        AppError::InvalidTransition { action: a, .. }
            if *a == ClaimAction::ChangeAttachments.as_str() =>
        {
            "这笔报销已有审核结果，不能再添加或删除附件。".into()
        }
        AppError::InvalidTransition { from, .. } if from == "settled" => {
            "无法登记退还借款：这笔报销没有待退还的借款，或已登记退还。".into()
        }
        AppError::InvalidTransition { from, .. } if from == "amended" => {
            "这张报销单已经修改过一次，请在「我的报销」中继续填写那份草稿，或查看修改后的报销单。"
                .into()
        }
        AppError::InvalidTransition {
            from,
            action: a,
            what,
        } => format!(
            "无法{}：这{}当前是「{}」。",
            action(a),
            document(what),
            status(from)
        ),
        AppError::AdvanceRefused {
            estimate: Some(estimate),
        } => format!("借款不能超过预估费用 {}（R16）。", yuan(*estimate)),
        AppError::AdvanceRefused { estimate: None } => {
            "这份出差申请已经支付过借款，不能再付一次（R16）。".into()
        }
        AppError::SelfApprovalForbidden => "不能审批自己提交的报销，请由其他财务人员审批。".into(),
        AppError::Forbidden => "您的角色无权进行此操作。".into(),
        AppError::StepAlreadyDecidedByYou => {
            "您已审批过这张报销单的另一步，请由其他人审批这一步。".into()
        }
        AppError::NotFound(_) | AppError::UnknownBudgetLine(_) => "没有找到这笔记录。".into(),
        AppError::UnknownCity { .. } => format!("{}：{}", field(&city_field(error)), city(error)),
        AppError::NoPolicyInForce { date: d, .. } => {
            format!("{} 没有生效的差旅费标准，无法计算。", date(*d))
        }
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}：{}", field(&e.field), problem(&e.problem)))
            .collect::<Vec<_>>()
            .join("；"),
        AppError::InvalidRequest {
            field: Some(f),
            problem: p,
            ..
        } => format!("{}：{}", field(f), unreadable(p.as_deref())),
        AppError::InvalidRequest { field: None, .. } => {
            "填写的内容无法读取，请检查后重新提交。".into()
        }
        // R15: the holder's number only; whether it may be opened is the page's to decide.
        AppError::DuplicateInvoice {
            claim_id: Some(id),
            field: f,
        } => format!("{}：该发票已在报销单 #{id} 中报销", field(f)),
        AppError::DuplicateInvoice { field: f, .. } => {
            format!("{}：该发票已在另一张报销单中报销", field(f))
        }
        AppError::InvalidInvoiceFile(problem) => invoice_file(problem),
        AppError::InvoiceRefused(refusal) => invoice_refusal(refusal),
        AppError::AttachmentTooLarge => "附件太大：每个文件不能超过 10 MB。".into(),
        AppError::UnsupportedAttachment => {
            "不支持这种文件：附件只能是 PDF、OFD、XML 电子发票或 JPEG、PNG 图片。".into()
        }
        AppError::TooManyAttachments => "附件已满：一张报销单最多 30 个附件。".into(),
        AppError::Busy | AppError::Deadlocked => "系统繁忙，请稍后再试。".into(),
        _ => "出现了意外错误，请稍后再试；如果一再出现，请联系管理员。".into(),
    }
}

/// R19: why a file is not a readable 数电发票, as a clerk can act on it.
pub fn invoice_file(problem: &FileProblem) -> String {
    use FileProblem as F;
    let what = match problem {
        F::TooLarge { .. } => "文件太大，电子发票文件最大 1 MB".to_string(),
        F::Empty => "文件是空的".into(),
        F::Encoding { .. } => "文件的字符编码无法读取（只能读取统一码文件）".into(),
        F::Dtd | F::Entity => "文件带有文档类型声明或实体引用，出于安全不予读取".into(),
        F::Malformed { line, column } => {
            format!("文件不是格式正确的 XML（第 {line} 行第 {column} 列）")
        }
        F::TooDeep { max } => format!("文件的层级超过 {max} 层"),
        F::TooManyNodes { max } => format!("文件的元素超过 {max} 个"),
        F::NotAnInvoice { .. } => "这不是数电发票的 XML 文件".into(),
        F::Missing { path } => format!("文件里没有{}", invoice_part(path)),
        F::Unreadable { path, given } => {
            format!("文件里的{}「{given}」无法识别", invoice_part(path))
        }
    };
    format!("无法读取这个电子发票文件：{what}。请从开票平台重新下载 XML 文件。")
}

/// A field of a 数电发票 by the name printed on the invoice.
fn invoice_part(path: &str) -> &'static str {
    use crate::domain::einvoice::paths as P;
    match path {
        P::NUMBER => "发票号码",
        P::ISSUED => "开票日期",
        P::BUYER_ID => "购买方统一社会信用代码",
        P::BUYER_NAME => "购买方名称",
        P::SELLER_ID => "销售方统一社会信用代码",
        P::SELLER_NAME => "销售方名称",
        P::TOTAL => "价税合计",
        _ => "项目名称",
    }
}

/// R19: why an invoice read cannot fill a row of this organisation's claim.
pub fn invoice_refusal(refusal: &Refusal) -> String {
    match refusal {
        Refusal::TaxIdMissing => {
            "本单位还没有登记统一社会信用代码，无法核对发票抬头；请管理员先在「用户」页填写。".into()
        }
        Refusal::BuyerMismatch {
            buyer_name,
            buyer_tax_id,
            organisation_tax_id,
        } => format!(
            "发票抬头不是本单位：发票上是{buyer_name}（{buyer_tax_id}），本单位是 {organisation_tax_id}"
        ),
        Refusal::CreditNote { total, .. } => {
            format!("这是红字发票（价税合计 {total}），不能报销")
        }
        Refusal::KindUnsupported { items } => format!(
            "不是住宿或交通发票，无法导入：{}",
            items.join("、")
        ),
    }
}

/// What a refused status change was about, as a clerk names the document.
fn document(what: &str) -> &'static str {
    match what {
        "travel claim" => "笔报销",
        "travel request" => "份出差申请",
        "budget adjustment" => "笔预算调整",
        "subsidy batch" => "个批次",
        _ => "份单据",
    }
}

/// The field an unknown-city refusal names (empty for any other error).
fn city_field(error: &AppError) -> String {
    match error {
        AppError::UnknownCity { field, .. } => field.clone(),
        _ => String::new(),
    }
}

/// An unknown city, without its field: 「不认识的城市「上海」。可填写：邢台、石家庄、北京」, or,
/// for nothing typed, that it is required.
pub fn city(error: &AppError) -> String {
    match error {
        AppError::UnknownCity {
            name, known_names, ..
        } if name.trim().is_empty() => format!("必填，可填写：{}", known_names.join("、")),
        AppError::UnknownCity {
            name, known_names, ..
        } => format!("不认识的城市「{name}」。可填写：{}", known_names.join("、")),
        _ => String::new(),
    }
}

/// A field the parser could not read: what it knows of why, or that it could not be read.
pub fn unreadable(known: Option<&FieldProblem>) -> String {
    match known {
        Some(p) => problem(p),
        None => "无法识别，请检查填写的内容".into(),
    }
}

/// A field problem in Chinese: the one place the pages word them.
pub fn problem(p: &FieldProblem) -> String {
    use crate::domain::money::MoneyError as M;
    use crate::domain::text::TextProblem as T;
    use FieldProblem as P;
    let named = |name: &str| label(name).unwrap_or("另一个日期");
    match p {
        P::Required { .. } => "必填".into(),
        P::Text(T::ControlCharacter) => "只能填一行，不能有换行、制表符等控制字符".into(),
        P::Text(T::Invisible) => "请填写看得见的文字".into(),
        P::Amount(M::Malformed) => "请填写金额，例如 680.00（最多两位小数）".into(),
        P::Amount(M::TooManyDecimals) => "金额最多两位小数（到分）".into(),
        P::Amount(M::Negative) => "金额不能是负数".into(),
        P::Amount(M::TooLarge) => "金额不能超过 ¥99,999,999.99".into(),
        P::Amount(M::Overflow) => "金额超出了可以计算的范围".into(),
        P::Amount(M::NotPositive) => "金额必须大于 0".into(),
        P::UnreadableDate { .. } => "请按 2021-05-10 的格式填写日期".into(),
        P::DateOutOfRange { min, max, .. } => format!(
            "日期应在 {} 到 {} 之间（年份 {} 到 {}）",
            date(*min),
            date(*max),
            min.format("%Y"),
            max.format("%Y")
        ),
        P::Before {
            other, other_on, ..
        } => format!("不能早于{}（{}）", named(other), date(*other_on)),
        P::NotAfter {
            other, other_on, ..
        } => format!("应晚于{}（{}）", named(other), date(*other_on)),
        P::OutsideTrip { part, from, to } => {
            let trip = format!("出差期间是 {} 至 {}", date(*from), date(*to));
            match part {
                TripPart::StayBegins => format!("住宿不在出差期间内：入住早于出发，{trip}"),
                TripPart::StayEnds => format!("住宿不在出差期间内：退房晚于返回，{trip}"),
                TripPart::Day => format!("这一天不在出差期间内，{trip}"),
            }
        }
        P::TripTooLong { max_days } => format!("一次出差最长 {max_days} 天"),
        P::Overlaps => "与另一行住宿的日期重叠".into(),
        P::RepeatedDate => "同一天填了不止一次".into(),
        P::InvoiceNumber => "发票号码应为 8 位或 20 位数字".into(),
        P::ElectronicInvoiceHasNoCode => "全电发票（20 位号码）不填发票代码".into(),
        P::InvoiceCodeRequired => "8 位发票号码须同时填写发票代码".into(),
        P::InvoiceCode => "发票代码应为 10 位或 12 位数字".into(),
        P::CodeWithoutNumber => "填了发票代码，也请填写发票号码".into(),
        P::SameInvoiceAs { field: first } => format!("与{}是同一张发票", field(first)),
        P::OutOfRange { min, max, .. } => format!("应在 {min} 到 {max} 之间"),
        P::Length { min, max, items } => {
            let unit = if *items { "行" } else { "个字" };
            match (min, max) {
                (Some(1), Some(max)) => format!("必填，最多 {max} {unit}"),
                (None, Some(max)) => format!("最多 {max} {unit}"),
                (Some(min), Some(max)) => format!("{min} 到 {max} {unit}"),
                (Some(min), None) => format!("至少 {min} {unit}"),
                (None, None) => "长度不对".into(),
            }
        }
        P::TotalTooLarge { .. } => "合计超过了本系统能处理的最大金额 ¥99,999,999.99".into(),
        P::AboveEstimate { max } => {
            format!("借款不能超过预估费用 {}（R16）", yuan(*max))
        }
        P::PaidBeforeApproval { approved } => {
            format!("不能早于批准日期 {}", date(*approved))
        }
        P::PaidTooFarAhead { days, today } => {
            let latest = today
                .checked_add_days(chrono::Days::new(days.max(&0).unsigned_abs()))
                .unwrap_or(*today);
            format!(
                "最晚只能是 {}（今天 {} 之后 {days} 天）",
                date(latest),
                date(*today)
            )
        }
        P::ReturnedBeforePaid => "报销单支付以后才能登记退还借款".into(),
        P::OneOf { .. } => "请从给出的选项中选择".into(),
        P::NotANumber { .. } => "请填写数字".into(),
        P::Unknown { .. } => "没有找到这一项".into(),
        P::LoginFormat => "1 到 64 个字符：字母、数字、“.”、“_”或“-”".into(),
        P::LoginTaken => "该登录名已被使用".into(),
        P::PasswordLength => "8 到 128 个字符".into(),
        P::WrongPassword => "当前密码不正确".into(),
        P::SamePassword => "新密码不能与当前密码相同".into(),
        P::NoRole => "至少选择一个角色".into(),
        P::RevokeSelf => "不能撤销自己的账号".into(),
        P::OrgCodeFormat => "只能用小写字母、数字和“-”".into(),
        P::AmbiguousOrg { .. } => "有多个单位，请指明是哪一个".into(),
        P::LineCodeFormat => "用小写字母、数字和“-”组成的段，以“.”分隔".into(),
        P::NoParentLine { .. } => "这一年没有这个上级科目".into(),
        P::TooDeep { max_levels } => format!("预算树最多 {max_levels} 层"),
        P::TransferNeedsSource => "调剂要选择从哪个科目调出".into(),
        P::TransferSameLine => "调出和调入不能是同一个科目".into(),
        P::TransferAcrossYears => "只能在同一年度的科目之间调剂".into(),
        P::SourceWithoutTransfer => "只有调剂才从另一个科目调出".into(),
        P::NoSubsidyAmount => "还没有政策规定补助标准：请填写本人每月金额".into(),
        P::NoPolicyForMonth { year, month } => format!(
            "{year} 年 {month} 月没有生效的政策版本，不知道该发多少；请先发布政策或给人员填写本人标准"
        ),
        P::CityCodeFormat => "城市代码只能用小写字母、数字、“-”或“_”".into(),
        P::CityTwice => "城市代码或名称重复了".into(),
        P::NoCities => "至少要有一个城市".into(),
        P::NotAFraction { .. } => "扣除比例应是 0 到 1 之间的小数（最多四位），如 0.40".into(),
        P::CityName => "城市名称只能一行，最多 100 个字".into(),
        P::IndicatorTwice => "同一科目的同一指标填了两次".into(),
        P::TimeZone => "时区名称不正确".into(),
        P::IdNumberShape => "身份证号应为 18 位：前 17 位是数字，最后一位是数字或 X".into(),
        P::IdNumberCheck => "身份证号的校验位与前 17 位不符，请逐位核对".into(),
        P::BankAccount => "账号应为 8 到 32 位数字".into(),
        P::CreditCodeShape => {
            "统一社会信用代码应为 18 位：数字和大写字母（不用 I、O、Z、S、V）".into()
        }
        P::CreditCodeCheck => "统一社会信用代码的校验位与前 17 位不符，请逐位核对".into(),
        P::AboveInvoiceTotal { number, total } => {
            format!("超过了电子发票 {number} 的价税合计 {}", yuan(*total))
        }
        P::BankName { max } => format!("请填写开户行名称，最多 {max} 个字，只能一行"),
        P::ApprovalChain(error) => match error {
            crate::domain::approval::ChainError::Unknown(_) => {
                "审批步骤只能是部门审核、财务审核、单位负责人审批".into()
            }
            crate::domain::approval::ChainError::Order => {
                "审批步骤须按部门审核、财务审核、单位负责人审批的顺序，每步至多一次".into()
            }
            crate::domain::approval::ChainError::NoFinance => {
                "审批流程必须包含财务审核".into()
            }
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    #[test]
    fn estimate_lines_are_worded_in_chinese_with_the_city_by_name() {
        use crate::wire::travel_requests::EstimateBasis;
        let basis = |rate: Option<i64>, count, travellers| EstimateBasis {
            city: "北京".into(),
            rate: rate.map(Money::from_fen),
            count,
            travellers,
        };
        let table = [
            (
                "lodging",
                basis(Some(40_000), 3, 2),
                "R4 住宿费：北京每晚不超过 ¥400.00 × 3 晚 × 2 人",
            ),
            (
                "meal_allowance",
                basis(Some(10_000), 4, 1),
                "R5 伙食补助费：北京每天 ¥100.00 × 4 天",
            ),
            (
                "transport_allowance",
                basis(Some(8_000), 4, 2),
                "R6 市内交通费：北京每天 ¥80.00 × 4 天 × 2 人",
            ),
            (
                "meal_allowance",
                basis(None, 4, 3),
                "R5 伙食补助费：北京 4 天 × 3 人",
            ),
            (
                "ticket",
                basis(None, 0, 1),
                "R7 城市间交通费：车船机票预估，按票据实报",
            ),
        ];
        for (item, b, text) in table {
            assert_eq!(estimate_rule(item, &b), text);
        }
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_have_thousands_separators_and_two_decimals() {
        assert_eq!(yuan(Money::from_fen(123_100)), "¥1,231.00");
        assert_eq!(yuan(Money::from_fen(1_234_500)), "¥12,345.00");
        assert_eq!(yuan(Money::from_fen(999)), "¥9.99");
        assert_eq!(yuan(Money::ZERO), "¥0.00");
        assert_eq!(yuan(Money::from_fen(-4_000)), "-¥40.00");
        assert_eq!(yuan(Money::from_fen(9_999_999_999)), "¥99,999,999.99");
        assert_eq!(grouped(Money::from_fen(100_000_000)), "1,000,000.00");
    }

    #[test]
    fn capitals_come_from_r13() {
        assert_eq!(
            capitals(Money::from_fen(123_100)),
            "人民币壹仟贰佰叁拾壹元整"
        );
    }

    #[test]
    fn statuses_items_and_fields_in_chinese() {
        assert_eq!(status(ClaimStatus::Paid.as_str()), "已支付");
        assert_eq!(status(ClaimStatus::Submitted.as_str()), "待审核");
        assert_eq!(status(BatchStatus::Void.as_str()), "已作废");
        assert_eq!(status("lost"), "未知");
        // Every status of every document has its name, the same whichever document it is.
        let texts = ClaimStatus::ALL.iter().map(|s| (s.as_str(), s.chinese()));
        let texts = texts.chain(BatchStatus::ALL.iter().map(|s| (s.as_str(), s.chinese())));
        let texts = texts.chain(RequestStatus::ALL.iter().map(|s| (s.as_str(), s.chinese())));
        let texts = texts.chain(
            AdjustmentStatus::ALL
                .iter()
                .map(|s| (s.as_str(), s.chinese())),
        );
        for (text, name) in texts {
            assert_eq!(status(text), name, "{text}");
        }
        assert_eq!(item("lodging"), "住宿费");
        assert_eq!(field("stays[0].check_out"), "住宿第1行「退房日期」");
        assert_eq!(field("tickets[2].amount"), "城市间交通第3行「金额」");
        assert_eq!(field("purpose"), "「事由」");
        assert_eq!(
            field("tickets[1].invoice_no"),
            "城市间交通第2行「发票号码」"
        );
        assert_eq!(field("returned_on"), "「退还日期」");
        assert_eq!(field("from_line_id"), "「调出科目」");
        assert_eq!(field("to"), "「结束日期」");
        assert_eq!(field("some_api_only_field"), "这一项");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2021, 5, 10).unwrap()),
            "2021-05-10"
        );
        assert_eq!(
            local_time("2021-05-10T16:30:00.000Z", chrono_tz::Asia::Shanghai),
            "2021-05-11 00:30"
        );
    }

    #[test]
    fn insufficient_budget_reads_as_web_md_says() {
        let e = AppError::InsufficientBudget(crate::domain::budget::Insufficient {
            line_code: "dept.x".into(),
            line_name: "日常运转".into(),
            available: Money::from_fen(1_234_500),
            requested: Money::from_fen(2_345_600),
        });
        assert_eq!(
            refusal(&e),
            "预算不足：日常运转 可用 ¥12,345.00，本次需要 ¥23,456.00"
        );
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Every field problem has its own Chinese, with its values, and no Latin word: one case per
    /// variant (the match in [`problem`] is exhaustive, this list is checked against it below).
    fn every_problem() -> Vec<(FieldProblem, &'static str)> {
        use crate::domain::money::MoneyError as M;
        use crate::domain::text::TextProblem as T;
        use FieldProblem as P;
        let (may10, may12) = (day(2021, 5, 10), day(2021, 5, 12));
        vec![
            (
                P::Required {
                    english: "purpose must not be empty",
                },
                "必填",
            ),
            (
                P::Text(T::ControlCharacter),
                "只能填一行，不能有换行、制表符等控制字符",
            ),
            (P::Text(T::Invisible), "请填写看得见的文字"),
            (
                P::Amount(M::Malformed),
                "请填写金额，例如 680.00（最多两位小数）",
            ),
            (P::Amount(M::TooManyDecimals), "金额最多两位小数（到分）"),
            (P::Amount(M::Negative), "金额不能是负数"),
            (P::Amount(M::TooLarge), "金额不能超过 ¥99,999,999.99"),
            (P::Amount(M::Overflow), "金额超出了可以计算的范围"),
            (P::Amount(M::NotPositive), "金额必须大于 0"),
            (
                P::UnreadableDate {
                    given: "2021/05/10".into(),
                },
                "请按 2021-05-10 的格式填写日期",
            ),
            (
                P::DateOutOfRange {
                    given: day(1999, 5, 10),
                    min: day(2000, 1, 1),
                    max: day(2099, 12, 31),
                },
                "日期应在 2000-01-01 到 2099-12-31 之间（年份 2000 到 2099）",
            ),
            (
                P::Before {
                    field: "return_date",
                    other: "departure_date",
                    other_on: may10,
                },
                "不能早于出发日期（2021-05-10）",
            ),
            (
                P::NotAfter {
                    field: "check_out",
                    other: "check_in",
                    other_on: may10,
                },
                "应晚于入住日期（2021-05-10）",
            ),
            (
                P::OutsideTrip {
                    part: TripPart::StayBegins,
                    from: may10,
                    to: may12,
                },
                "住宿不在出差期间内：入住早于出发，出差期间是 2021-05-10 至 2021-05-12",
            ),
            (
                P::OutsideTrip {
                    part: TripPart::StayEnds,
                    from: may10,
                    to: may12,
                },
                "住宿不在出差期间内：退房晚于返回，出差期间是 2021-05-10 至 2021-05-12",
            ),
            (
                P::OutsideTrip {
                    part: TripPart::Day,
                    from: may10,
                    to: may12,
                },
                "这一天不在出差期间内，出差期间是 2021-05-10 至 2021-05-12",
            ),
            (P::TripTooLong { max_days: 366 }, "一次出差最长 366 天"),
            (P::Overlaps, "与另一行住宿的日期重叠"),
            (P::RepeatedDate, "同一天填了不止一次"),
            (P::InvoiceNumber, "发票号码应为 8 位或 20 位数字"),
            (
                P::ElectronicInvoiceHasNoCode,
                "全电发票（20 位号码）不填发票代码",
            ),
            (P::InvoiceCodeRequired, "8 位发票号码须同时填写发票代码"),
            (P::InvoiceCode, "发票代码应为 10 位或 12 位数字"),
            (P::CodeWithoutNumber, "填了发票代码，也请填写发票号码"),
            (
                P::SameInvoiceAs {
                    field: "stays[0].invoice_no".into(),
                },
                "与住宿第1行「发票号码」是同一张发票",
            ),
            (
                P::OutOfRange {
                    min: 1,
                    max: 99,
                    english: "between 1 and 99",
                },
                "应在 1 到 99 之间",
            ),
            (
                P::Length {
                    min: None,
                    max: Some(500),
                    items: false,
                },
                "最多 500 个字",
            ),
            (
                P::Length {
                    min: Some(1),
                    max: Some(200),
                    items: false,
                },
                "必填，最多 200 个字",
            ),
            (
                P::Length {
                    min: Some(2),
                    max: Some(9),
                    items: true,
                },
                "2 到 9 行",
            ),
            (
                P::Length {
                    min: Some(3),
                    max: None,
                    items: false,
                },
                "至少 3 个字",
            ),
            (
                P::Length {
                    min: None,
                    max: None,
                    items: false,
                },
                "长度不对",
            ),
            (
                P::TotalTooLarge {
                    english: "too large",
                },
                "合计超过了本系统能处理的最大金额 ¥99,999,999.99",
            ),
            (
                P::AboveEstimate {
                    max: Money::from_fen(20_000),
                },
                "借款不能超过预估费用 ¥200.00（R16）",
            ),
            (
                P::PaidBeforeApproval {
                    approved: day(2026, 12, 7),
                },
                "不能早于批准日期 2026-12-07",
            ),
            (
                P::PaidTooFarAhead {
                    days: 30,
                    today: day(2021, 5, 10),
                },
                "最晚只能是 2021-06-09（今天 2021-05-10 之后 30 天）",
            ),
            (P::ReturnedBeforePaid, "报销单支付以后才能登记退还借款"),
            (
                P::OneOf {
                    english: "json, csv or xlsx".into(),
                },
                "请从给出的选项中选择",
            ),
            (
                P::NotANumber {
                    english: "a decimal number",
                },
                "请填写数字",
            ),
            (
                P::Unknown {
                    english: "no budget line 9".into(),
                },
                "没有找到这一项",
            ),
            (P::LoginFormat, "1 到 64 个字符：字母、数字、“.”、“_”或“-”"),
            (P::LoginTaken, "该登录名已被使用"),
            (P::PasswordLength, "8 到 128 个字符"),
            (P::WrongPassword, "当前密码不正确"),
            (P::SamePassword, "新密码不能与当前密码相同"),
            (P::NoRole, "至少选择一个角色"),
            (P::RevokeSelf, "不能撤销自己的账号"),
            (P::OrgCodeFormat, "只能用小写字母、数字和“-”"),
            (
                P::AmbiguousOrg {
                    codes: vec!["a".into(), "b".into()],
                },
                "有多个单位，请指明是哪一个",
            ),
            (
                P::LineCodeFormat,
                "用小写字母、数字和“-”组成的段，以“.”分隔",
            ),
            (
                P::NoParentLine {
                    code: "dept.x".into(),
                    year: 2021,
                },
                "这一年没有这个上级科目",
            ),
            (P::TooDeep { max_levels: 16 }, "预算树最多 16 层"),
            (P::TransferNeedsSource, "调剂要选择从哪个科目调出"),
            (P::TransferSameLine, "调出和调入不能是同一个科目"),
            (P::TransferAcrossYears, "只能在同一年度的科目之间调剂"),
            (P::SourceWithoutTransfer, "只有调剂才从另一个科目调出"),
            (
                P::NoSubsidyAmount,
                "还没有政策规定补助标准：请填写本人每月金额",
            ),
            (
                P::NoPolicyForMonth {
                    year: 2021,
                    month: 3,
                },
                "2021 年 3 月没有生效的政策版本，不知道该发多少；请先发布政策或给人员填写本人标准",
            ),
            (P::CityCodeFormat, "城市代码只能用小写字母、数字、“-”或“_”"),
            (P::CityTwice, "城市代码或名称重复了"),
            (P::NoCities, "至少要有一个城市"),
            (
                P::NotAFraction {
                    english: "a fraction",
                },
                "扣除比例应是 0 到 1 之间的小数（最多四位），如 0.40",
            ),
            (P::CityName, "城市名称只能一行，最多 100 个字"),
            (P::IndicatorTwice, "同一科目的同一指标填了两次"),
            (P::TimeZone, "时区名称不正确"),
            (
                P::IdNumberShape,
                "身份证号应为 18 位：前 17 位是数字，最后一位是数字或 X",
            ),
            (
                P::IdNumberCheck,
                "身份证号的校验位与前 17 位不符，请逐位核对",
            ),
            (P::BankAccount, "账号应为 8 到 32 位数字"),
            (
                P::CreditCodeShape,
                "统一社会信用代码应为 18 位：数字和大写字母（不用 I、O、Z、S、V）",
            ),
            (
                P::CreditCodeCheck,
                "统一社会信用代码的校验位与前 17 位不符，请逐位核对",
            ),
            (
                P::AboveInvoiceTotal {
                    number: "21132000000012345678".into(),
                    total: Money::from_fen(68_000),
                },
                "超过了电子发票 21132000000012345678 的价税合计 ¥680.00",
            ),
            (
                P::BankName { max: 60 },
                "请填写开户行名称，最多 60 个字，只能一行",
            ),
        ]
    }

    #[test]
    fn every_field_problem_reads_in_chinese_with_its_values() {
        for (problem_value, chinese) in every_problem() {
            let shown = problem(&problem_value);
            assert_eq!(shown, chinese, "{problem_value:?}");
            let latin = shown
                .split(|c: char| !c.is_ascii_alphabetic())
                .any(|word| word.len() > 1);
            assert!(!latin, "Latin in {shown}");
        }
    }

    /// The API's English is unchanged by the typed problems (api.md): a few as clients read them.
    #[test]
    fn the_api_keeps_its_english() {
        use FieldProblem as P;
        let may10 = day(2021, 5, 10);
        for (problem_value, english) in [
            (
                P::Before {
                    field: "return_date",
                    other: "departure_date",
                    other_on: may10,
                },
                "return_date is before departure_date",
            ),
            (
                P::NotAfter {
                    field: "check_out",
                    other: "check_in",
                    other_on: may10,
                },
                "check_out must be after check_in",
            ),
            (
                P::OutsideTrip {
                    part: TripPart::Day,
                    from: may10,
                    to: may10,
                },
                "the date is outside the trip",
            ),
            (P::Overlaps, "the stay overlaps another stay"),
            (
                P::AboveEstimate {
                    max: Money::from_fen(20_000),
                },
                "an advance is at most the estimate, 200.00 (R16)",
            ),
            (
                P::PaidBeforeApproval {
                    approved: day(2026, 12, 7),
                },
                "a payment cannot precede its approval on 2026-12-07",
            ),
            (
                P::DateOutOfRange {
                    given: day(1999, 5, 10),
                    min: day(2000, 1, 1),
                    max: day(2099, 12, 31),
                },
                "expected a date YYYY-MM-DD from 2000-01-01 to 2099-12-31, got \"1999-05-10\"",
            ),
            (
                P::Length {
                    min: Some(1),
                    max: Some(200),
                    items: false,
                },
                "1 to 200 characters required",
            ),
        ] {
            assert_eq!(problem_value.to_string(), english);
        }
    }

    #[test]
    fn refusals_of_whole_requests_read_in_chinese() {
        let city = |name: &str| AppError::UnknownCity {
            field: "destination".into(),
            name: name.into(),
            known: vec!["xingtai".into(), "shijiazhuang".into(), "beijing".into()],
            known_names: vec!["邢台".into(), "石家庄".into(), "北京".into()],
        };
        assert_eq!(
            refusal(&city("上海")),
            "「目的地」：不认识的城市「上海」。可填写：邢台、石家庄、北京"
        );
        assert_eq!(
            refusal(&city("")),
            "「目的地」：必填，可填写：邢台、石家庄、北京"
        );
        assert_eq!(
            refusal(&AppError::AdvanceRefused {
                estimate: Some(Money::from_fen(20_000))
            }),
            "借款不能超过预估费用 ¥200.00（R16）。"
        );
        assert_eq!(
            refusal(&AppError::AdvanceRefused { estimate: None }),
            "这份出差申请已经支付过借款，不能再付一次（R16）。"
        );
        let date_refused = AppError::InvalidRequest {
            status: crate::error::Invalid::Unprocessable,
            detail: String::new(),
            field: Some("departure_date".into()),
            problem: Some(Box::new(crate::wire::iso::problem("1999-05-10"))),
        };
        assert_eq!(
            refusal(&date_refused),
            "「出发日期」：日期应在 2000-01-01 到 2099-12-31 之间（年份 2000 到 2099）"
        );
        assert_eq!(
            crate::wire::iso::problem("2021/05/10"),
            FieldProblem::UnreadableDate {
                given: "2021/05/10".into()
            }
        );
    }

    proptest! {
        /// Removing the sign and the commas gives back the amount's plain text.
        #[test]
        fn grouping_only_adds_commas(fen in -9_999_999_999i64..9_999_999_999) {
            let m = Money::from_fen(fen);
            let shown = yuan(m).replace(['¥', ','], "");
            prop_assert_eq!(shown, m.to_string());
            let g = grouped(m);
            let whole = g.trim_start_matches('-').split('.').next().unwrap_or("");
            prop_assert!(whole.split(',').skip(1).all(|group| group.len() == 3));
        }
    }
}
