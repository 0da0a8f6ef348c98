//! The time environment setters time, datetime, time_hour, time_minute and
//! time_second, in UTC.

use gatehouse_pdk::host;
use gatehouse_pdk::{error, Code, EnvironmentReply, EnvironmentRequest, Result, Value};

/// A date and time of day in UTC.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
}

/// civil_of returns the UTC date and time of ns nanoseconds since the Unix
/// epoch, by the days-to-civil algorithm of the proleptic Gregorian
/// calendar (eras of 400 years, starting in March).
fn civil_of(ns: i64) -> Civil {
    let secs = ns.div_euclid(1_000_000_000);
    let (days, sod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    Civil {
        year: yoe + era * 400 + i64::from(month <= 2),
        month,
        day: doy - (153 * mp + 2) / 5 + 1,
        hour: sod / 3600,
        minute: sod / 60 % 60,
        second: sod % 60,
    }
}

/// time_attribute is the handler of the five: each component provides the
/// one attribute of its name.
pub fn time_attribute<'a>(req: &EnvironmentRequest<'a>) -> Result<EnvironmentReply<'a>> {
    let name = req.component;
    if req.key != name {
        return Err(error!(Code::NotFound, "{} provides the attribute {}, not {:?}", name, name, req.key));
    }
    let c = civil_of(host::clock_wall());
    let value: Value = match name {
        "time_hour" => c.hour.into(),
        "time_minute" => c.minute.into(),
        "time_second" => c.second.into(),
        "datetime" => {
            format!("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", c.year, c.month, c.day, c.hour, c.minute, c.second).into()
        }
        _ => format!("{:02}:{:02}:{:02}", c.hour, c.minute, c.second).into(),
    };
    Ok(EnvironmentReply::value(value))
}
