// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QString>
#include <initializer_list>
#include <utility>
#include <vector>

namespace dmr::console {

// Builds a page in the Prometheus text exposition format (version 0.0.4):
// each family's HELP and TYPE once, then its samples.
class PrometheusText
{
public:
    using Labels = std::initializer_list<std::pair<const char *, QString>>;
    // Labels known only at run time (a device's own), names already valid.
    using LabelList = std::vector<std::pair<QByteArray, QString>>;

    void family(const char *name, const char *type, const char *help);
    void sample(const char *name, Labels labels, double value);
    void sample(const char *name, const LabelList &labels, double value);
    void sample(const char *name, double value) { sample(name, Labels {}, value); }

    const QByteArray &text() const { return m_text; }
    static QByteArray escape(const QString &labelValue);
    // A device label's name as a Prometheus label name: '.' and '-' (which
    // ours allow) become '_'. Empty for one that cannot be made valid.
    static QByteArray labelName(const QString &name);

private:
    void appendLabel(bool first, const char *name, const QString &value);
    void appendValue(double value);
    QByteArray m_text;
};

} // namespace dmr::console
