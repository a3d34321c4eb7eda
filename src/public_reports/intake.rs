//! What a reporter submits on the public site, parsed at the boundary: every field checked, and
//! every problem named against its field in plain Chinese. Pure: no I/O.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::flow::Kind;
use super::routing::Category;
use crate::domain::credit_code::CreditCode;
use crate::domain::{Email, FieldErrors, Phone, RegionCode, text};

/// The form as typed (also the public API's body).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PublicReportInput)]
pub struct ReportInput {
    /// `report` (举报: a violation to investigate) or `complaint` (投诉: a consumer dispute).
    pub kind: String,
    /// The product or work concerned.
    pub product: String,
    /// The brand, or the right infringed.
    #[serde(default)]
    pub brand: String,
    /// What it is about, to reach the unit whose duty it is: `trademark`, `patent`,
    /// `copyright`, `agriculture`, `forestry`, `disinfection`, `counterfeit`; empty if unsure.
    #[serde(default)]
    pub category: String,
    /// Where: the county-level region code (6 digits) and the address.
    pub region: String,
    pub address: String,
    /// When it happened or was found (YYYY-MM-DD).
    pub occurred_on: String,
    /// What happened, in the reporter's words.
    pub description: String,
    /// Who: the enterprise's name, its 统一社会信用代码 if known, a shop or platform listing.
    #[serde(default)]
    pub enterprise: String,
    #[serde(default)]
    pub credit_code: String,
    #[serde(default)]
    pub shop: String,
    /// `true` to stay anonymous (a report only: a complaint names the complainant).
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub reporter_name: String,
    #[serde(default)]
    pub reporter_phone: String,
    #[serde(default)]
    pub reporter_email: String,
    /// The reporter works for the enterprise reported (内部人员).
    #[serde(default)]
    pub insider: bool,
    /// Send a notice when the state changes (to the phone or e-mail given).
    #[serde(default)]
    pub notify: bool,
    /// The proof of work: the token from `GET /api/v1/public/challenge` (or the confirmation
    /// page) and the counter that solves it.
    #[serde(default)]
    pub challenge: String,
    #[serde(default)]
    pub proof: String,
}

/// The reporter, when not anonymous.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reporter {
    pub name: String,
    pub phone: Phone,
    pub email: Option<Email>,
    pub notify: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReport {
    pub kind: Kind,
    pub product: String,
    pub brand: Option<String>,
    pub category: Option<Category>,
    pub region: RegionCode,
    pub address: String,
    pub occurred_on: NaiveDate,
    pub description: String,
    pub enterprise: Option<String>,
    pub credit_code: Option<CreditCode>,
    pub shop: Option<String>,
    pub reporter: Option<Reporter>,
    pub insider: bool,
}

impl NewReport {
    /// Whom the report is against, as a key counted per day (the per-subject budget) and the
    /// field that names it: the credit code when given, else the enterprise's name, else the
    /// shop, with spaces dropped and Latin letters in capitals; `None` when no one is named.
    pub fn subject(&self) -> Option<(String, &'static str)> {
        let key = |s: &str| {
            s.chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase()
        };
        if let Some(c) = &self.credit_code {
            return Some((format!("code:{}", c.as_str()), "credit_code"));
        }
        if let Some(e) = &self.enterprise {
            return Some((format!("name:{}", key(e)), "enterprise"));
        }
        self.shop
            .as_ref()
            .map(|s| (format!("shop:{}", key(s)), "shop"))
    }

    /// Parse what was typed on `today` (a day of the reporter's past cannot be tomorrow).
    pub fn parse(input: &ReportInput, today: NaiveDate) -> Result<NewReport, FieldErrors> {
        let mut e = FieldErrors::new();
        let kind = Kind::parse(&input.kind);
        if kind.is_none() {
            e.add("kind", "invalid_choice", "请选择举报或投诉");
        }
        let product = e.take(text::required(
            "product",
            "涉及的商品或作品",
            &input.product,
            100,
        ));
        let brand = e.take(text::optional(
            "brand",
            "品牌或被侵犯的权利",
            Some(&input.brand),
            100,
        ));
        let category = match input.category.trim() {
            "" => Some(None),
            raw => match Category::parse(raw) {
                Some(m) => Some(Some(m)),
                None => {
                    e.add("category", "invalid_choice", "请从列表中选择涉及的类别");
                    None
                }
            },
        };
        let region = e.take(RegionCode::field("region", &input.region));
        let address = e.take(text::required("address", "发生地点", &input.address, 200));
        let occurred_on = e.take(crate::domain::date::not_after(
            "occurred_on",
            "发生或发现日期",
            &input.occurred_on,
            today,
        ));
        let description = e.take(text::required_long(
            "description",
            "具体情况",
            &input.description,
            5000,
        ));
        let enterprise = e.take(text::optional(
            "enterprise",
            "被举报的企业或个人",
            Some(&input.enterprise),
            100,
        ));
        let credit_code = match input.credit_code.trim() {
            "" => Some(None),
            raw => e.take(CreditCode::field("credit_code", raw)).map(Some),
        };
        let shop = e.take(text::optional(
            "shop",
            "店铺或网店链接",
            Some(&input.shop),
            300,
        ));
        if kind == Some(Kind::Complaint) && input.anonymous {
            e.add(
                "anonymous",
                "not_allowed",
                "投诉须提供投诉人姓名和联系电话；不愿留名的，请选择“举报”",
            );
        }
        let reporter = if input.anonymous {
            Some(None)
        } else {
            let name = e.take(text::required(
                "reporter_name",
                "您的姓名",
                &input.reporter_name,
                50,
            ));
            let phone = e.take(Phone::field("reporter_phone", &input.reporter_phone));
            let email = e.take(Email::optional(
                "reporter_email",
                Some(&input.reporter_email),
            ));
            match (name, phone, email) {
                (Some(name), Some(phone), Some(email)) => Some(Some(Reporter {
                    name,
                    phone,
                    email,
                    notify: input.notify,
                })),
                _ => None,
            }
        };
        match (
            kind,
            product,
            brand,
            category,
            region,
            address,
            occurred_on,
            description,
            enterprise,
            credit_code,
            shop,
            reporter,
        ) {
            (
                Some(kind),
                Some(product),
                Some(brand),
                Some(category),
                Some(region),
                Some(address),
                Some(occurred_on),
                Some(description),
                Some(enterprise),
                Some(credit_code),
                Some(shop),
                Some(reporter),
            ) if e.is_empty() => Ok(NewReport {
                kind,
                product,
                brand,
                category,
                region,
                address,
                occurred_on,
                description,
                enterprise,
                credit_code,
                shop,
                reporter,
                insider: input.insider,
            }),
            _ => Err(e),
        }
    }
}

/// What a reporter adds while the report is open.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = PublicReportTrackInput)]
pub struct TrackInput {
    pub number: String,
    pub password: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 5).expect("date")
    }

    fn good() -> ReportInput {
        ReportInput {
            kind: "report".into(),
            product: "白酒".into(),
            brand: "茅台".into(),
            region: "411502".into(),
            address: "浉河区某路12号".into(),
            occurred_on: "2026-12-01".into(),
            description: "店内销售假冒茅台酒。".into(),
            anonymous: true,
            ..ReportInput::default()
        }
    }

    #[test]
    fn the_subject_is_the_credit_code_else_the_name_else_the_shop() {
        let mut i = good();
        assert_eq!(
            NewReport::parse(&i, today()).expect("parses").subject(),
            None
        );
        i.shop = "某平台 abc 旗舰店".into();
        let r = NewReport::parse(&i, today()).expect("parses");
        assert_eq!(r.subject(), Some(("shop:某平台ABC旗舰店".into(), "shop")));
        i.enterprise = " 信阳市 某商行 ".into();
        let r = NewReport::parse(&i, today()).expect("parses");
        assert_eq!(
            r.subject(),
            Some(("name:信阳市某商行".into(), "enterprise"))
        );
        i.credit_code = "91350100M000100Y43".into();
        let r = NewReport::parse(&i, today()).expect("parses");
        assert_eq!(
            r.subject(),
            Some(("code:91350100M000100Y43".into(), "credit_code"))
        );
    }

    #[test]
    fn an_anonymous_report_parses() {
        let r = NewReport::parse(&good(), today()).expect("parses");
        assert_eq!(r.kind, Kind::Report);
        assert_eq!(r.reporter, None);
        assert_eq!(r.credit_code, None);
    }

    #[test]
    fn each_field_is_named_when_wrong() {
        let bad = ReportInput {
            kind: "x".into(),
            product: " ".into(),
            region: "41150".into(),
            occurred_on: "2026-12-06".into(),
            credit_code: "91411500MA44XXXX0X".into(),
            anonymous: false,
            reporter_phone: "123".into(),
            ..good()
        };
        let e = NewReport::parse(&bad, today()).expect_err("refused");
        for f in [
            "kind",
            "product",
            "region",
            "occurred_on",
            "credit_code",
            "reporter_name",
            "reporter_phone",
        ] {
            assert!(e.get(f).is_some(), "{f} not named: {e:?}");
        }
    }

    #[test]
    fn a_complaint_names_the_complainant() {
        let c = ReportInput {
            kind: "complaint".into(),
            ..good()
        };
        let e = NewReport::parse(&c, today()).expect_err("anonymous complaint");
        assert!(e.get("anonymous").is_some());
        let c = ReportInput {
            anonymous: false,
            reporter_name: "王某".into(),
            reporter_phone: "13800138000".into(),
            notify: true,
            ..c
        };
        let r = NewReport::parse(&c, today()).expect("named complaint");
        assert_eq!(r.reporter.map(|p| p.name), Some("王某".to_string()));
    }
}
