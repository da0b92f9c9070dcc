//! How the pages write things: amounts `¥1,231.00`, amounts in capitals (R13), dates, statuses,
//! rule items and refusals in Chinese. Templates print what these return and format nothing.

use chrono::NaiveDate;

use crate::domain::capitals::in_words;
use crate::domain::status::{
    Action, AdjustmentStatus, BatchAction, BatchStatus, ClaimStatus, RequestStatus, Status,
};
use crate::domain::Money;
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
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
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
        "pay_advance" => "支付借款",
        "advance_returned" => "登记退还借款",
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

/// Why a claim pays nothing for lodging, in Chinese.
pub fn ineligible(code: &str) -> &'static str {
    match code {
        "missing_lodging_invoice" => {
            "缺少住宿发票：没有发票的住宿不予报销（R4），住宿费由本人承担；补齐发票后重新提交。"
        }
        _ => "部分费用不予报销。",
    }
}

/// A request field (its JSON path) as the form labels it: `stays[0].check_out` → 住宿第1行「退房日期」.
pub fn field(path: &str) -> String {
    let label = |name: &str| -> &'static str {
        match name {
            "purpose" => "事由",
            "destination" => "目的地",
            "departure_date" => "出发日期",
            "return_date" => "返回日期",
            "budget_line_id" => "预算科目",
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
            "reason" => "驳回理由",
            "paid_on" => "支付日期",
            "stays" => "住宿",
            "tickets" => "城市间交通",
            "meals_provided" => "对方提供餐食",
            _ => "",
        }
    };
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
                let inner = label(after.trim_start_matches('.'));
                return if inner.is_empty() {
                    format!("{name}第{row}行")
                } else {
                    format!("{name}第{row}行「{inner}」")
                };
            }
        }
    }
    match label(path) {
        "" => path.to_string(),
        known => format!("「{known}」"),
    }
}

/// A refusal in Chinese, shown in place on the page. `line_name` names the line an
/// `insufficient_budget` refusal is about.
pub fn refusal(error: &AppError, line_name: Option<&str>) -> String {
    match error {
        AppError::InsufficientBudget(i) => format!(
            "预算不足：{} 可用 {}，本次需要 {}",
            line_name.unwrap_or(&i.line_code),
            yuan(i.available),
            yuan(i.requested)
        ),
        AppError::InvalidTransition {
            from, action: a, ..
        } => format!(
            "无法{}：这笔报销当前是「{}」。",
            action(match *a {
                "approve" => "approve",
                "reject" => "reject",
                "pay" => "pay",
                _ => "",
            }),
            status(from)
        ),
        AppError::SelfApprovalForbidden => "不能审批自己提交的报销，请由其他财务人员审批。".into(),
        AppError::Forbidden => "您的角色无权进行此操作。".into(),
        AppError::NotFound(_) | AppError::UnknownBudgetLine(_) => "没有找到这笔记录。".into(),
        AppError::UnknownCity { name, known, .. } => {
            format!("不认识的城市「{name}」。可填写：{}", known.join("、"))
        }
        AppError::NoPolicyInForce { date: d, .. } => {
            format!("{} 没有生效的差旅费标准，无法计算。", date(*d))
        }
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}：{}", field(&e.field), message(&e.message)))
            .collect::<Vec<_>>()
            .join("；"),
        AppError::InvalidRequest {
            field: Some(f),
            detail,
            ..
        } => format!("{}：{}", field(f), message(detail)),
        // R15: the holder's number only; whether it may be opened is the page's to decide.
        AppError::DuplicateInvoice {
            claim_id: Some(id),
            field: f,
        } => format!("{}：该发票已在报销单 #{id} 中报销", field(f)),
        AppError::DuplicateInvoice { field: f, .. } => {
            format!("{}：该发票已在另一张报销单中报销", field(f))
        }
        AppError::Busy | AppError::Deadlocked => "系统繁忙，请稍后再试。".into(),
        _ => "出现了意外错误，请稍后再试；如果一再出现，请联系管理员。".into(),
    }
}

/// A field message in Chinese where it is a known one; otherwise as the rule wrote it.
pub fn message(text: &str) -> String {
    // R15: the same invoice named twice in one claim, the first field named.
    if let Some(first) = text.strip_prefix("the same invoice as ") {
        return format!("与{}是同一张发票", field(first));
    }
    let known: [(&str, &str); 17] = [
        ("8 or 20 digits", "发票号码应为 8 位或 20 位数字"),
        ("10 or 12 digits", "发票代码应为 10 位或 12 位数字"),
        (
            "an all-electronic invoice has no code",
            "全电发票（20 位号码）不填发票代码",
        ),
        (
            "an 8-digit invoice number needs its code",
            "8 位发票号码须同时填写发票代码",
        ),
        (
            "an invoice code goes with",
            "填了发票代码，也请填写发票号码",
        ),
        ("date", "请按 2021-05-10 的格式填写日期"),
        ("missing field", "必填"),
        ("must not be empty", "必填"),
        ("amount", "请填写金额，例如 680.00（最多两位小数）"),
        ("8 to 128 characters", "8 到 128 个字符"),
        ("this login is taken", "该登录名已被使用"),
        ("the current password is wrong", "当前密码不正确"),
        ("choose a password different", "新密码不能与当前密码相同"),
        (
            "1 to 64 characters",
            "1 到 64 个字符：字母、数字、“.”、“_”或“-”",
        ),
        ("before", "日期顺序不对：结束日期不能早于开始日期"),
        ("after", "日期顺序不对：结束日期应晚于开始日期"),
        ("outside", "日期不在出差期间内"),
    ];
    known
        .iter()
        .find(|(needle, _)| text.contains(needle))
        .map_or_else(|| text.to_string(), |(_, zh)| (*zh).to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
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
        assert_eq!(
            message("the same invoice as stays[0].invoice_no"),
            "与住宿第1行「发票号码」是同一张发票"
        );
        assert_eq!(message("8 or 20 digits"), "发票号码应为 8 位或 20 位数字");
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
            available: Money::from_fen(1_234_500),
            requested: Money::from_fen(2_345_600),
        });
        assert_eq!(
            refusal(&e, Some("日常运转")),
            "预算不足：日常运转 可用 ¥12,345.00，本次需要 ¥23,456.00"
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
