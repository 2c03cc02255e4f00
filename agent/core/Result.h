// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace dmr::agent {

// A value or the reason there is none. Collectors and the config parser return
// this instead of throwing, so one odd /proc file can never take the agent down
// and every failure arrives with a sentence fit for the log.
template<class T>
class Result
{
public:
    static Result success(T value)
    {
        Result result;
        result.m_value = std::move(value);
        return result;
    }
    static Result failure(std::string error)
    {
        Result result;
        result.m_error = error.empty() ? std::string("unknown error") : std::move(error);
        return result;
    }

    bool ok() const { return m_value.has_value(); }
    const T &value() const { return *m_value; }
    T &value() { return *m_value; }
    const std::string &error() const { return m_error; }

private:
    Result() = default;

    std::optional<T> m_value;
    std::string m_error;
};

} // namespace dmr::agent
