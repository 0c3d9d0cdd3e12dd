#ifndef TALLY_CRESOLV_H
#define TALLY_CRESOLV_H

/// A DNS query through glibc's libresolv, in one call a Swift thread can make: its own
/// resolver state (res_ninit), an optional server of its own (address and port), the
/// query sent (res_nmkquery, res_nsend: every response code comes back, where
/// res_nquery would fold SERVFAIL and a timeout into one TRY_AGAIN), and the answer
/// read with ns_initparse/ns_parserr into plain values.

#include <stdint.h>

/// The record types Tally asks for.
enum {
    TALLY_DNS_TYPE_A = 1,
    TALLY_DNS_TYPE_SOA = 6,
    TALLY_DNS_TYPE_MX = 15,
    TALLY_DNS_TYPE_AAAA = 28,
};

/// How a query ended.
enum {
    /// A response came back: see `rcode`.
    TALLY_DNS_ANSWERED = 0,
    /// No response within the resolver's timeouts and retries.
    TALLY_DNS_NO_ANSWER = 1,
    /// The resolver could not start, the name could not be put in a query, or the
    /// response could not be read.
    TALLY_DNS_BROKEN = 2,
};

#define TALLY_DNS_MAX_RECORDS 32
#define TALLY_DNS_MAX_NAME 1025

/// One answer record of the asked type.
typedef struct {
    uint32_t ttl_seconds;
    /// MX only: the preference and the exchange ("" for the root, as in a null MX).
    int32_t preference;
    char exchange[TALLY_DNS_MAX_NAME];
} tally_dns_record;

typedef struct {
    int32_t outcome;
    /// The response code (0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED, ...).
    int32_t rcode;
    /// Answer records of the asked type, at most TALLY_DNS_MAX_RECORDS of them kept.
    int32_t count;
    tally_dns_record records[TALLY_DNS_MAX_RECORDS];
    /// 1 when the authority section has an SOA: a negative answer's lifetime
    /// (RFC 2308 §5: the lesser of the SOA's TTL and its MINIMUM field).
    int32_t has_negative_ttl;
    uint32_t negative_ttl_seconds;
} tally_dns_answer;

/// Asks `name` for records of `type`. `server_ipv4` (dotted quad) and `server_port`
/// pick the server when `server_ipv4` is not NULL; otherwise /etc/resolv.conf's.
/// `timeout_seconds` per try, `attempts` tries. Blocking: call it off the event loop.
/// Thread-safe: each call has its own resolver state.
void tally_dns_query(
    const char *name,
    int type,
    const char *server_ipv4,
    int server_port,
    int timeout_seconds,
    int attempts,
    tally_dns_answer *answer
);

#endif
