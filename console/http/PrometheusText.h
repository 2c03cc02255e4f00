// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <initializer_list>
#include <utility>

namespace dmr::console {

// Builds a page in the Prometheus text exposition format (version 0.0.4):
// each family's HELP and TYPE once, then its samples.
class PrometheusText
{
public:
    using Labels = std::initializer_list<std::pair<const char *, QString>>;

    void family(const char *name, const char *type, const char *help);
    void sample(const char *name, Labels labels, double value);
    void sample(const char *name, double value) { sample(name, {}, value); }

    const QByteArray &text() const { return m_text; }
    static QByteArray escape(const QString &labelValue);

private:
    QByteArray m_text;
};

} // namespace dmr::console
