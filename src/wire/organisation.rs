//! The organisation's own details (R19): `PUT /api/v1/organisation`.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::services::organisation::Changes;

/// What an admin changes; an absent member is left as it is.
#[derive(Clone, Debug, Deserialize, Validate, ToSchema)]
pub struct OrganisationBody {
    #[validate(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// The 统一社会信用代码: 18 characters with the GB 32100-2015 check character.
    #[validate(length(max = 40))]
    #[schema(example = "11130532MB0000001C")]
    pub tax_id: Option<String>,
}

impl From<OrganisationBody> for Changes {
    fn from(body: OrganisationBody) -> Changes {
        Changes {
            name: body.name,
            tax_id: body.tax_id,
        }
    }
}
