//! The people behind the connections: a pool of about 200 users with
//! realistic e-mail addresses, how often each connects, and the IPs of their
//! cloud VMs; plus residential client IPs.

use std::collections::HashSet;

use crate::rng::{Rng8, between, chance, pick, unit, weighted};

const FIRST: &[&str] = &[
    "noah",
    "emma",
    "liam",
    "olivia",
    "mason",
    "ava",
    "ethan",
    "sophia",
    "lucas",
    "mia",
    "james",
    "amelia",
    "logan",
    "harper",
    "elijah",
    "evelyn",
    "aiden",
    "abigail",
    "jacob",
    "emily",
    "michael",
    "ella",
    "daniel",
    "henry",
    "camila",
    "jackson",
    "luna",
    "sebastian",
    "sofia",
    "alexander",
    "avery",
    "owen",
    "scarlett",
    "wyatt",
    "victoria",
    "carter",
    "madison",
    "julian",
    "grace",
    "levi",
    "chloe",
    "isaac",
    "penelope",
    "gabriel",
    "riley",
    "anthony",
    "layla",
    "dylan",
    "zoey",
    "leo",
    "nora",
    "lily",
    "eleanor",
    "hannah",
    "andrew",
    "thomas",
    "ellie",
    "joshua",
    "stella",
    "ezra",
    "natalie",
    "hudson",
    "zoe",
    "charles",
    "leah",
    "caleb",
    "hazel",
    "ryan",
    "aurora",
    "nathan",
    "adrian",
    "audrey",
    "claire",
    "elias",
    "lucy",
    "jonathan",
    "anna",
    "nolan",
    "hunter",
    "cameron",
    "connor",
    "santiago",
    "maya",
    "roman",
    "naomi",
    "miles",
    "robert",
    "elena",
    "sarah",
    "nicholas",
    "ian",
    "alice",
    "ruby",
    "dominic",
    "eva",
    "luca",
    "austin",
    "jordan",
    "priya",
    "arjun",
    "wei",
    "mei",
    "hiroshi",
    "yuki",
    "omar",
    "fatima",
    "diego",
    "lucia",
    "mateo",
    "ines",
    "lars",
    "ingrid",
    "pierre",
    "amara",
    "kofi",
    "sven",
    "anya",
    "ravi",
];

const LAST: &[&str] = &[
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "thompson",
    "white",
    "harris",
    "clark",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "nguyen",
    "hill",
    "green",
    "adams",
    "baker",
    "nelson",
    "patel",
    "kim",
    "chen",
    "wang",
    "singh",
    "tanaka",
    "mueller",
    "rossi",
    "dubois",
    "okafor",
];

/// Domains with relative weights.
const DOMAINS: &[(&str, f64)] = &[
    ("example.com", 6.0),
    ("gmail.com", 10.0),
    ("yahoo.com", 2.0),
    ("outlook.com", 2.0),
    ("hotmail.com", 1.5),
    ("icloud.com", 2.0),
    ("protonmail.com", 1.0),
    ("fractalcomputers.com", 2.5),
    ("berkeley.edu", 1.0),
    ("mit.edu", 0.8),
    ("stanford.edu", 0.8),
    ("acme.io", 1.0),
    ("pixelforge.studio", 0.8),
    ("northwind.co", 0.7),
];

/// Public ranges of cloud providers' VMs (first two octets).
const CLOUD_PREFIXES: &[(u8, u8)] = &[
    (52, 237),
    (52, 170),
    (52, 191),
    (40, 117),
    (40, 76),
    (13, 90),
    (20, 42),
    (3, 89),
    (54, 210),
    (34, 201),
    (18, 222),
];

/// First octets of residential ISPs.
const HOME_PREFIXES: &[u8] = &[
    73, 24, 98, 67, 76, 108, 174, 71, 96, 50, 68, 99, 172, 86, 81,
];

/// How many users the pool holds.
pub(crate) const POOL_SIZE: usize = 200;

/// One user of the service.
pub(crate) struct User {
    pub email: String,
    /// IPs of the user's VMs (a user occasionally gets a new VM).
    pub vm_ips: Vec<u32>,
}

/// The user pool with Zipf-like activity weights.
pub(crate) struct Users {
    pub users: Vec<User>,
    cumulative: Vec<f64>,
}

impl Users {
    /// Builds the pool.
    pub(crate) fn new(rng: &mut Rng8) -> Users {
        let mut seen = HashSet::new();
        let mut users = Vec::with_capacity(POOL_SIZE);
        let domain_w: Vec<f64> = DOMAINS.iter().map(|d| d.1).collect();
        while users.len() < POOL_SIZE {
            let first = pick(rng, FIRST);
            let last = pick(rng, LAST);
            let domain = DOMAINS[weighted(rng, &domain_w)].0;
            let local = match between(rng, 0, 9) {
                0..=3 => first.to_string(),
                4..=6 => format!("{first}.{last}"),
                7 => format!("{}{last}", &first[..1]),
                8 => format!("{first}{last}{}", between(rng, 1, 99)),
                _ => format!("{first}_{}", &last[..1]),
            };
            let email = format!("{local}@{domain}");
            if !seen.insert(email.clone()) {
                continue;
            }
            let n_vms = if chance(rng, 0.25) { 2 } else { 1 };
            let vm_ips = (0..n_vms).map(|_| cloud_ip(rng)).collect();
            users.push(User { email, vm_ips });
        }
        let mut cumulative = Vec::with_capacity(POOL_SIZE);
        let mut acc = 0.0;
        for i in 0..POOL_SIZE {
            acc += 1.0 / ((i + 2) as f64).powf(0.85);
            cumulative.push(acc);
        }
        Users { users, cumulative }
    }

    /// A user drawn by activity (a few heavy users, a long tail).
    pub(crate) fn draw(&self, rng: &mut Rng8) -> &User {
        let total = *self.cumulative.last().expect("pool is not empty");
        let x = unit(rng) * total;
        let i = self.cumulative.partition_point(|c| *c <= x);
        &self.users[i.min(self.users.len() - 1)]
    }
}

/// A cloud VM address like `52.237.153.167`.
pub(crate) fn cloud_ip(rng: &mut Rng8) -> u32 {
    let (a, b) = pick(rng, CLOUD_PREFIXES);
    ip4(a, b, between(rng, 1, 254) as u8, between(rng, 1, 254) as u8)
}

/// A residential client address.
pub(crate) fn home_ip(rng: &mut Rng8) -> u32 {
    let a = pick(rng, HOME_PREFIXES);
    ip4(
        a,
        between(rng, 1, 254) as u8,
        between(rng, 0, 255) as u8,
        between(rng, 1, 254) as u8,
    )
}

/// Packs four octets.
pub(crate) fn ip4(a: u8, b: u8, c: u8, d: u8) -> u32 {
    u32::from_be_bytes([a, b, c, d])
}

/// Dotted form of an address.
pub(crate) fn ip_string(ip: u32) -> String {
    let [a, b, c, d] = ip.to_be_bytes();
    format!("{a}.{b}.{c}.{d}")
}

/// The local part of an e-mail, usable as an OS account name.
pub(crate) fn account_name(email: Option<&str>) -> &str {
    match email {
        Some(e) => e.split('@').next().unwrap_or("user"),
        None => "user",
    }
}
