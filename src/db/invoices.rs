//! R15: the invoices held by live claims. The table's key, not a read before the write, keeps an
//! invoice on at most one live claim per organisation.

use diesel::prelude::*;

use super::schema::claim_invoices;
use super::DbConnection;

#[derive(Insertable)]
#[diesel(table_name = claim_invoices)]
pub struct NewClaimInvoice<'a> {
    pub org_id: i64,
    pub invoice_code: &'a str,
    pub invoice_no: &'a str,
    pub claim_id: i64,
    pub field: &'a str,
}

/// Fails with a unique violation when another live claim holds it.
pub fn insert(conn: &mut DbConnection, row: &NewClaimInvoice<'_>) -> QueryResult<usize> {
    diesel::insert_into(claim_invoices::table)
        .values(row)
        .execute(conn)
}

/// The claim holding the invoice (code, number), if a live one does.
pub fn holder(
    conn: &mut DbConnection,
    org_id: i64,
    code: &str,
    number: &str,
) -> QueryResult<Option<i64>> {
    claim_invoices::table
        .filter(claim_invoices::org_id.eq(org_id))
        .filter(claim_invoices::invoice_code.eq(code))
        .filter(claim_invoices::invoice_no.eq(number))
        .select(claim_invoices::claim_id)
        .first(conn)
        .optional()
}

/// Frees a rejected claim's invoices.
pub fn release(conn: &mut DbConnection, org_id: i64, claim_id: i64) -> QueryResult<usize> {
    diesel::delete(
        claim_invoices::table
            .filter(claim_invoices::org_id.eq(org_id))
            .filter(claim_invoices::claim_id.eq(claim_id)),
    )
    .execute(conn)
}

/// The (code, number) of each invoice the claim holds, in the order of the fields naming them
/// (stays, then tickets).
pub fn of_claim(
    conn: &mut DbConnection,
    org_id: i64,
    claim_id: i64,
) -> QueryResult<Vec<(String, String)>> {
    claim_invoices::table
        .filter(claim_invoices::org_id.eq(org_id))
        .filter(claim_invoices::claim_id.eq(claim_id))
        .order((claim_invoices::field, claim_invoices::invoice_no))
        .select((claim_invoices::invoice_code, claim_invoices::invoice_no))
        .load(conn)
}
