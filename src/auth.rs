//! Who is calling: users, their roles, and bearer tokens (random 256 bits, stored as SHA-256).

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A role (api.md "Auth"). A user may hold several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
#[clap(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Claimant,
    Finance,
    BudgetHolder,
    /// R18: heads one department (科室) and decides its members' claims first.
    DepartmentHead,
    /// R18: the head of the unit (单位负责人), who decides claims at or above the threshold.
    Leader,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Claimant => "claimant",
            Role::Finance => "finance",
            Role::BudgetHolder => "budget_holder",
            Role::DepartmentHead => "department_head",
            Role::Leader => "leader",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        [
            Role::Admin,
            Role::Claimant,
            Role::Finance,
            Role::BudgetHolder,
            Role::DepartmentHead,
            Role::Leader,
        ]
        .into_iter()
        .find(|r| r.as_str() == text)
    }

    /// Roles as stored: `admin,finance`.
    pub fn join(roles: &[Role]) -> String {
        roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The authenticated caller: every service call acts inside this organisation only.
#[derive(Clone, Debug)]
pub struct Actor {
    pub org_id: i64,
    pub user_id: i64,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A new bearer token: 32 random bytes from the OS-seeded CSPRNG, hex-encoded with a prefix that
/// makes leaked tokens easy to search for.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!("bx_{}", hex::encode(bytes))
}

/// What the database keeps of a token. A token has 256 bits of entropy, so a plain SHA-256 is
/// enough: there is nothing to brute-force that a slow hash would protect.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), a);
    }
}
