#include "CResolv.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

/// Reads the records of `type` in the answer section and an SOA in the authority one.
static void read_response(const unsigned char *response, int length, int type, tally_dns_answer *answer) {
    ns_msg message;
    if (ns_initparse(response, length, &message) < 0) {
        answer->outcome = TALLY_DNS_BROKEN;
        return;
    }
    answer->outcome = TALLY_DNS_ANSWERED;
    answer->rcode = ns_msg_getflag(message, ns_f_rcode);
    const unsigned char *end = ns_msg_end(message);
    int answers = ns_msg_count(message, ns_s_an);
    for (int index = 0; index < answers && answer->count < TALLY_DNS_MAX_RECORDS; index++) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_an, index, &record) < 0) break;
        // A CNAME on the way is skipped: only records of the asked type count.
        if (ns_rr_type(record) != type || ns_rr_class(record) != ns_c_in) continue;
        tally_dns_record *kept = &answer->records[answer->count];
        memset(kept, 0, sizeof *kept);
        kept->ttl_seconds = ns_rr_ttl(record);
        if (type == TALLY_DNS_TYPE_MX) {
            if (ns_rr_rdlen(record) < 3) continue;
            const unsigned char *data = ns_rr_rdata(record);
            kept->preference = ns_get16(data);
            if (ns_name_uncompress(ns_msg_base(message), end, data + 2, kept->exchange, sizeof kept->exchange) < 0) continue;
            // The root is written "." by ns_name_uncompress: kept as "", a null MX's exchange.
            if (strcmp(kept->exchange, ".") == 0) kept->exchange[0] = '\0';
        }
        answer->count++;
    }
    int authorities = ns_msg_count(message, ns_s_ns);
    for (int index = 0; index < authorities; index++) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_ns, index, &record) < 0) break;
        if (ns_rr_type(record) != ns_t_soa) continue;
        // MNAME and RNAME, then SERIAL REFRESH RETRY EXPIRE MINIMUM (32 bits each).
        const unsigned char *data = ns_rr_rdata(record);
        const unsigned char *data_end = data + ns_rr_rdlen(record);
        for (int name = 0; name < 2; name++) {
            int skipped = dn_skipname(data, data_end);
            if (skipped < 0) return;
            data += skipped;
        }
        if (data_end - data < 20) return;
        uint32_t minimum = ns_get32(data + 16);
        uint32_t ttl = ns_rr_ttl(record);
        answer->has_negative_ttl = 1;
        answer->negative_ttl_seconds = ttl < minimum ? ttl : minimum;
        return;
    }
}

void tally_dns_query(
    const char *name,
    int type,
    const char *server_ipv4,
    int server_port,
    int timeout_seconds,
    int attempts,
    tally_dns_answer *answer
) {
    memset(answer, 0, sizeof *answer);
    answer->outcome = TALLY_DNS_BROKEN;
    struct __res_state state;
    memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) return;
    if (server_ipv4 != NULL) {
        struct sockaddr_in server;
        memset(&server, 0, sizeof server);
        server.sin_family = AF_INET;
        server.sin_port = htons((uint16_t)server_port);
        if (inet_pton(AF_INET, server_ipv4, &server.sin_addr) != 1) {
            res_nclose(&state);
            return;
        }
        state.nsaddr_list[0] = server;
        state.nscount = 1;
    }
    state.retrans = timeout_seconds > 0 ? timeout_seconds : 1;
    // A SERVFAIL or REFUSED is a response to report, not a silence to retry: res_nsend
    // hands it back only with a pfcode set (the flag dig uses for the same reason).
    state.pfcode = RES_PRF_REPLY;
    state.retry = attempts > 0 ? attempts : 1;
    unsigned char query[NS_PACKETSZ];
    int query_length = res_nmkquery(&state, ns_o_query, name, ns_c_in, type, NULL, 0, NULL, query, sizeof query);
    if (query_length < 0) {
        res_nclose(&state);
        return;
    }
    unsigned char response[NS_MAXMSG];
    int length = res_nsend(&state, query, query_length, response, sizeof response);
    res_nclose(&state);
    if (length < 0) {
        answer->outcome = TALLY_DNS_NO_ANSWER;
        return;
    }
    read_response(response, length, type, answer);
}
