///@file The retention model, written from restic's documented forget policy, not by asking restic.
#include "verify/retention.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>

namespace nixdrill::verify {

namespace {

struct WallClock {
    int year = 0;
    int month = 0;
    int day = 0;
    int hour = 0;
    std::string sortKey; ///< the time normalised to UTC, for newest-first ordering
};

int digits(const std::string& s, std::size_t at, std::size_t n, const std::string& whole) {
    int v = 0;
    if (at + n > s.size() || std::from_chars(s.data() + at, s.data() + at + n, v).ptr != s.data() + at + n) {
        throw util::InputError("snapshot time '" + whole + "' is not RFC 3339");
    }
    return v;
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
long long daysFromCivil(int y, int m, int d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const long long yoe = y - era * 400;
    const long long doy = (153LL * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/// ISO 8601 week-numbering year * 100 + week, as Go's Time.ISOWeek.
int isoWeek(int y, int m, int d) {
    long long days = daysFromCivil(y, m, d);
    int weekday = static_cast<int>(((days % 7) + 7 + 3) % 7); // Monday = 0 (1970-01-01 was a Thursday)
    // The Thursday of this week decides the year.
    long long thursday = days - weekday + 3;
    // Civil year of that Thursday.
    int ty = y;
    if (thursday < daysFromCivil(y, 1, 1)) {
        ty = y - 1;
    } else if (thursday >= daysFromCivil(y + 1, 1, 1)) {
        ty = y + 1;
    }
    int week = static_cast<int>((thursday - daysFromCivil(ty, 1, 1)) / 7 + 1);
    return ty * 100 + week;
}

WallClock parseTime(const std::string& t) {
    // 2026-11-23T22:40:08.123456789+01:00 or ...Z: the wall clock fields are the snapshot's own.
    WallClock w;
    if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' || t[16] != ':') {
        throw util::InputError("snapshot time '" + t + "' is not RFC 3339");
    }
    w.year = digits(t, 0, 4, t);
    w.month = digits(t, 5, 2, t);
    w.day = digits(t, 8, 2, t);
    w.hour = digits(t, 11, 2, t);
    int minute = digits(t, 14, 2, t);
    int second = digits(t, 17, 2, t);
    std::size_t at = 19;
    std::string fraction;
    if (at < t.size() && t[at] == '.') {
        ++at;
        while (at < t.size() && t[at] >= '0' && t[at] <= '9') {
            fraction += t[at++];
        }
    }
    int offsetMinutes = 0;
    if (at < t.size() && (t[at] == 'Z' || t[at] == 'z') && at + 1 == t.size()) {
        offsetMinutes = 0;
    } else if (at + 6 == t.size() && (t[at] == '+' || t[at] == '-') && t[at + 3] == ':') {
        offsetMinutes = digits(t, at + 1, 2, t) * 60 + digits(t, at + 4, 2, t);
        if (t[at] == '-') {
            offsetMinutes = -offsetMinutes;
        }
    } else {
        throw util::InputError("snapshot time '" + t + "' is not RFC 3339");
    }
    if (w.month < 1 || w.month > 12 || w.day < 1 || w.day > 31 || w.hour > 23 || minute > 59 || second > 60) {
        throw util::InputError("snapshot time '" + t + "' is out of range");
    }
    long long utcSeconds =
        daysFromCivil(w.year, w.month, w.day) * 86400 + w.hour * 3600LL + minute * 60LL + second - offsetMinutes * 60LL;
    fraction.resize(9, '0');
    std::string secs = std::to_string(utcSeconds);
    w.sortKey = std::string(20 - std::min<std::size_t>(20, secs.size()), '0') + secs + "." + fraction;
    return w;
}

unsigned count(const std::vector<std::string>& args, std::size_t& i, const std::string& flag) {
    std::string value;
    auto eq = args[i].find('=');
    if (eq != std::string::npos) {
        value = args[i].substr(eq + 1);
    } else if (i + 1 < args.size()) {
        value = args[++i];
    } else {
        throw util::InputError("forget argument " + flag + " has no value");
    }
    unsigned n = 0;
    auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (ec != std::errc() || ptr != value.data() + value.size()) {
        throw util::InputError("forget argument " + flag + " needs a count, got '" + value + "'");
    }
    return n;
}

} // namespace

RetentionPolicy parseRetention(const std::vector<std::string>& forgetArgs) {
    RetentionPolicy p;
    const std::map<std::string, unsigned RetentionPolicy::*> rules = {
        {"--keep-last", &RetentionPolicy::last},       {"--keep-hourly", &RetentionPolicy::hourly},
        {"--keep-daily", &RetentionPolicy::daily},     {"--keep-weekly", &RetentionPolicy::weekly},
        {"--keep-monthly", &RetentionPolicy::monthly}, {"--keep-yearly", &RetentionPolicy::yearly},
    };
    for (std::size_t i = 0; i < forgetArgs.size(); ++i) {
        auto flag = forgetArgs[i].substr(0, forgetArgs[i].find('='));
        auto rule = rules.find(flag);
        if (rule == rules.end()) {
            throw util::InputError("the retention model does not know forget argument '" + forgetArgs[i] + "'");
        }
        p.*(rule->second) = count(forgetArgs, i, flag);
    }
    return p;
}

std::set<std::string> retainedSnapshots(const std::vector<Snapshot>& snapshots, const RetentionPolicy& policy) {
    std::set<std::string> kept;
    std::map<std::string, std::vector<std::pair<WallClock, const Snapshot*>>> groups;
    for (const auto& s : snapshots) {
        auto paths = s.paths;
        std::sort(paths.begin(), paths.end());
        std::string key = s.hostname;
        for (const auto& p : paths) {
            key += '\0' + p;
        }
        groups[key].push_back({parseTime(s.time), &s});
    }
    bool anyRule = policy.last || policy.hourly || policy.daily || policy.weekly || policy.monthly || policy.yearly;
    for (auto& [key, list] : groups) {
        // Newest first; equal times keep their listed order (restic sorts stably).
        std::stable_sort(list.begin(), list.end(),
                         [](const auto& a, const auto& b) { return a.first.sortKey > b.first.sortKey; });
        if (!anyRule) {
            for (const auto& [w, s] : list) {
                kept.insert(s->id);
            }
            continue;
        }
        struct Rule {
            unsigned left;
            long long (*bucket)(const WallClock&, std::size_t);
            std::optional<long long> last;
        };
        std::array<Rule, 6> rules = {{
            {policy.last, [](const WallClock&, std::size_t nr) { return static_cast<long long>(nr); }, {}},
            {policy.hourly,
             [](const WallClock& w, std::size_t) {
                 return w.year * 1000000LL + w.month * 10000LL + w.day * 100LL + w.hour;
             },
             {}},
            {policy.daily,
             [](const WallClock& w, std::size_t) { return w.year * 10000LL + w.month * 100LL + w.day; },
             {}},
            {policy.weekly,
             [](const WallClock& w, std::size_t) { return static_cast<long long>(isoWeek(w.year, w.month, w.day)); },
             {}},
            {policy.monthly, [](const WallClock& w, std::size_t) { return w.year * 100LL + w.month; }, {}},
            {policy.yearly, [](const WallClock& w, std::size_t) { return static_cast<long long>(w.year); }, {}},
        }};
        for (std::size_t nr = 0; nr < list.size(); ++nr) {
            bool keep = false;
            for (auto& rule : rules) {
                if (rule.left == 0) {
                    continue;
                }
                auto value = rule.bucket(list[nr].first, nr);
                if (!rule.last || *rule.last != value) {
                    keep = true;
                    rule.last = value;
                    --rule.left;
                }
            }
            if (keep) {
                kept.insert(list[nr].second->id);
            }
        }
    }
    return kept;
}

} // namespace nixdrill::verify
