/* timeattr.c: the time environment setters time, datetime, time_hour,
 * time_minute and time_second, in UTC. */
#include "acl.h"

/* civil is a date and time of day in UTC. */
typedef struct civil {
    int64_t year;
    int month, day, hour, minute, second;
} civil;

/* civil_of returns the UTC date and time of ns nanoseconds since the Unix
 * epoch, by the days-to-civil algorithm of the proleptic Gregorian
 * calendar (eras of 400 years, starting in March). */
static civil civil_of(int64_t ns) {
    int64_t secs = ns / 1000000000 - (ns % 1000000000 < 0);
    int64_t days = secs / 86400 - (secs % 86400 < 0);
    int64_t sod = secs - days * 86400;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    civil c;
    c.day = (int)(doy - (153 * mp + 2) / 5 + 1);
    c.month = (int)(mp < 10 ? mp + 3 : mp - 9);
    c.year = yoe + era * 400 + (c.month <= 2);
    c.hour = (int)(sod / 3600);
    c.minute = (int)(sod / 60 % 60);
    c.second = (int)(sod % 60);
    return c;
}

/* two writes n, 0 to 99, as two digits. */
static char *two(char *p, int n) {
    p[0] = (char)('0' + n / 10);
    p[1] = (char)('0' + n % 10);
    return p + 2;
}

/* time_attribute is the handler of the five: each component provides the
 * one attribute of its name. */
gh_status time_attribute(const gh_environment_req *req, gh_writer *reply) {
    const char *key = req->self->name;
    if (!gh_str_eq(req->key, key))
        return gh_errorf(reply, GH_NOT_FOUND, "%s provides the attribute %s, not \"%.*s\"", key, key, GH_STR_ARG(req->key));
    civil c = civil_of(gh_clock_wall());
    char buf[32], *p = buf;
    gh_reply_value(reply);
    if (gh_str_eq(req->key, "time_hour")) {
        gh_w_int(reply, c.hour);
    } else if (gh_str_eq(req->key, "time_minute")) {
        gh_w_int(reply, c.minute);
    } else if (gh_str_eq(req->key, "time_second")) {
        gh_w_int(reply, c.second);
    } else {
        if (gh_str_eq(req->key, "datetime")) {
            int64_t y = c.year;
            for (int i = 3; i >= 0; i--, y /= 10) p[i] = (char)('0' + y % 10);
            p += 4;
            *p++ = '-';
            p = two(p, c.month);
            *p++ = '-';
            p = two(p, c.day);
            *p++ = ' ';
        }
        p = two(p, c.hour);
        *p++ = ':';
        p = two(p, c.minute);
        *p++ = ':';
        p = two(p, c.second);
        gh_w_strn(reply, buf, (size_t)(p - buf));
    }
    return GH_OK;
}
