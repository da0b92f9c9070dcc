//! The tables, as both backends' migrations create them (`migrations/{sqlite,postgres}`).

diesel::table! {
    organisations (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
        time_zone -> Text,
        as_of -> Nullable<Date>,
        tax_id -> Nullable<Text>,
        approval_steps -> Text,
        leader_threshold_fen -> BigInt,
    }
}

diesel::table! {
    users (id) {
        org_id -> BigInt,
        id -> BigInt,
        name -> Text,
        roles -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        department_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    policy_versions (id) {
        org_id -> BigInt,
        id -> BigInt,
        version -> Integer,
        effective_from -> Date,
        breakfast_bp -> Integer,
        lunch_bp -> Integer,
        dinner_bp -> Integer,
        subsidy_monthly_fen -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    policy_cities (org_id, policy_id, code) {
        org_id -> BigInt,
        policy_id -> BigInt,
        position -> Integer,
        code -> Text,
        names -> Text,
        lodging_cap_fen -> BigInt,
        meal_fen -> BigInt,
        transport_fen -> BigInt,
    }
}

diesel::table! {
    budget_lines (id) {
        org_id -> BigInt,
        id -> BigInt,
        year -> Integer,
        code -> Text,
        name -> Text,
        parent_id -> Nullable<BigInt>,
        depth -> Integer,
        allocated_fen -> BigInt,
        committed_fen -> BigInt,
        spent_fen -> BigInt,
        created_at -> Timestamp,
        original_allocated_fen -> BigInt,
        function_class -> Nullable<Text>,
        economic_class -> Nullable<Text>,
    }
}

diesel::table! {
    ledger_entries (id) {
        org_id -> BigInt,
        id -> BigInt,
        line_id -> BigInt,
        kind -> Text,
        amount_fen -> BigInt,
        source_type -> Text,
        source_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        at -> Timestamp,
    }
}

diesel::table! {
    travel_claims (id) {
        org_id -> BigInt,
        id -> BigInt,
        claimant_id -> BigInt,
        budget_line_id -> BigInt,
        status -> Text,
        purpose -> Text,
        destination -> Text,
        departure_date -> Date,
        return_date -> Date,
        policy_version_id -> BigInt,
        request -> Text,
        breakdown -> Text,
        reimbursable_fen -> BigInt,
        self_borne_fen -> BigInt,
        submitted_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        reject_reason -> Nullable<Text>,
        paid_on -> Nullable<Date>,
        paid_by -> Nullable<BigInt>,
        paid_at -> Nullable<Timestamp>,
        travel_request_id -> Nullable<BigInt>,
        advance_returned_on -> Nullable<Date>,
        advance_returned_by -> Nullable<BigInt>,
        amends -> Nullable<BigInt>,
        approval_steps -> Text,
        leader_threshold_fen -> BigInt,
        department_id -> Nullable<BigInt>,
        step -> Nullable<Text>,
    }
}

diesel::table! {
    claim_drafts (org_id, id) {
        org_id -> BigInt,
        id -> BigInt,
        claimant_id -> BigInt,
        body -> Text,
        amends -> Nullable<BigInt>,
        copied_from -> Nullable<BigInt>,
        travel_request_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        org_id -> BigInt,
        id -> BigInt,
        entity_type -> Text,
        entity_id -> BigInt,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor_id -> BigInt,
        at -> Timestamp,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (org_id, user_id, key) {
        org_id -> BigInt,
        user_id -> BigInt,
        key -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    duty_stations (id) {
        org_id -> BigInt,
        id -> BigInt,
        name -> Text,
        city -> Text,
        budget_line_id -> BigInt,
        daily_cost_override_fen -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    subsidy_recipients (id) {
        org_id -> BigInt,
        id -> BigInt,
        name -> Text,
        monthly_fen -> BigInt,
        enrolled_from -> Date,
        enrolled_until -> Nullable<Date>,
        created_by -> BigInt,
        created_at -> Timestamp,
        own_amount -> Bool,
        id_number -> Nullable<Text>,
        bank_name -> Nullable<Text>,
        bank_account -> Nullable<Text>,
    }
}

diesel::table! {
    subsidy_batches (id) {
        org_id -> BigInt,
        id -> BigInt,
        budget_line_id -> BigInt,
        year -> Integer,
        half -> Integer,
        supplementary -> Bool,
        status -> Text,
        total_fen -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
        approved_by -> Nullable<BigInt>,
        approved_at -> Nullable<Timestamp>,
        paid_on -> Nullable<Date>,
        on_time -> Nullable<Bool>,
        paid_by -> Nullable<BigInt>,
        paid_at -> Nullable<Timestamp>,
        voided_by -> Nullable<BigInt>,
        voided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    subsidy_items (id) {
        org_id -> BigInt,
        id -> BigInt,
        batch_id -> BigInt,
        recipient_id -> BigInt,
        year -> Integer,
        month -> Integer,
        days_enrolled -> Integer,
        days_in_month -> Integer,
        amount_fen -> BigInt,
        live -> Bool,
        payee_copied -> Bool,
        id_number -> Nullable<Text>,
        bank_name -> Nullable<Text>,
        bank_account -> Nullable<Text>,
    }
}

diesel::table! {
    duty_assignments (id) {
        org_id -> BigInt,
        id -> BigInt,
        station_id -> BigInt,
        person -> Text,
        from_date -> Date,
        to_date -> Date,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    duty_events (id) {
        org_id -> BigInt,
        id -> BigInt,
        name -> Text,
        city -> Text,
        budget_line_id -> BigInt,
        from_date -> Date,
        to_date -> Date,
        extra_staff -> Integer,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    performance_targets (org_id, year, line_code, indicator) {
        org_id -> BigInt,
        year -> Integer,
        line_code -> Text,
        indicator -> Text,
        comparator -> Text,
        target -> Nullable<Text>,
        deadline_days -> Nullable<Integer>,
    }
}

diesel::table! {
    web_logins (org_id, user_id) {
        org_id -> BigInt,
        user_id -> BigInt,
        login -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    web_sessions (id_hash) {
        id_hash -> Text,
        org_id -> BigInt,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        flash -> Nullable<Text>,
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> BigInt,
        login -> Text,
        address -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    travel_requests (id) {
        org_id -> BigInt,
        id -> BigInt,
        requester_id -> BigInt,
        budget_line_id -> BigInt,
        status -> Text,
        purpose -> Text,
        destination -> Text,
        departure_date -> Date,
        return_date -> Date,
        travellers -> Integer,
        policy_version_id -> BigInt,
        tickets_estimate_fen -> BigInt,
        advance_requested_fen -> Nullable<BigInt>,
        estimate_fen -> BigInt,
        estimate_lines -> Text,
        created_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        reject_reason -> Nullable<Text>,
        live_claims -> Integer,
        advance_fen -> Nullable<BigInt>,
        advance_paid_on -> Nullable<Date>,
        advance_paid_by -> Nullable<BigInt>,
        advance_paid_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    budget_adjustments (id) {
        org_id -> BigInt,
        id -> BigInt,
        year -> Integer,
        kind -> Text,
        line_id -> BigInt,
        from_line_id -> Nullable<BigInt>,
        amount_fen -> BigInt,
        reason -> Text,
        document_no -> Nullable<Text>,
        status -> Text,
        requested_by -> BigInt,
        requested_at -> Timestamp,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        reject_reason -> Nullable<Text>,
    }
}

diesel::table! {
    claim_invoices (org_id, invoice_code, invoice_no) {
        org_id -> BigInt,
        invoice_code -> Text,
        invoice_no -> Text,
        claim_id -> BigInt,
        field -> Text,
    }
}

diesel::table! {
    claim_attachment_parts (org_id, attachment_id, seq) {
        org_id -> BigInt,
        attachment_id -> BigInt,
        seq -> Integer,
        bytes -> Binary,
    }
}

diesel::table! {
    claim_attachments (id) {
        org_id -> BigInt,
        id -> BigInt,
        claim_id -> BigInt,
        slot -> Integer,
        name -> Text,
        media_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        added_by -> BigInt,
        added_at -> Timestamp,
    }
}

diesel::table! {
    departments (id) {
        org_id -> BigInt,
        id -> BigInt,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    voucher_counters (org_id, year, month) {
        org_id -> BigInt,
        year -> Integer,
        month -> Integer,
        next -> Integer,
    }
}

diesel::table! {
    claim_approvals (id) {
        org_id -> BigInt,
        id -> BigInt,
        claim_id -> BigInt,
        step -> Text,
        decision -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Timestamp,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    vouchers (id) {
        org_id -> BigInt,
        id -> BigInt,
        year -> Integer,
        month -> Integer,
        seq -> Integer,
        date -> Date,
        event -> Text,
        summary -> Text,
        attachments -> Integer,
        source_type -> Text,
        source_id -> BigInt,
        reverses -> Nullable<BigInt>,
        made_by -> Nullable<BigInt>,
        made_at -> Timestamp,
    }
}

diesel::table! {
    voucher_lines (org_id, voucher_id, seq) {
        org_id -> BigInt,
        voucher_id -> BigInt,
        seq -> Integer,
        ledger -> Text,
        role -> Text,
        account_code -> Text,
        account_name -> Text,
        debit_fen -> BigInt,
        credit_fen -> BigInt,
        budget_line_id -> Nullable<BigInt>,
        project -> Nullable<Text>,
        function_class -> Nullable<Text>,
        economic_class -> Nullable<Text>,
    }
}

diesel::table! {
    account_map (org_id, event, role) {
        org_id -> BigInt,
        event -> Text,
        role -> Text,
        account_code -> Text,
        account_name -> Text,
    }
}
