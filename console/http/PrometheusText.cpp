// SPDX-License-Identifier: MIT
#include "http/PrometheusText.h"

#include <cmath>

namespace dmr::console {

void PrometheusText::family(const char *name, const char *type, const char *help)
{
    m_text += QByteArrayLiteral("# HELP ") + name + ' ' + help + '\n';
    m_text += QByteArrayLiteral("# TYPE ") + name + ' ' + type + '\n';
}

void PrometheusText::sample(const char *name, Labels labels, double value)
{
    m_text += name;
    if (labels.size() > 0) {
        m_text += '{';
        bool first = true;
        for (const auto &[key, labelValue] : labels) {
            appendLabel(first, key, labelValue);
            first = false;
        }
        m_text += '}';
    }
    appendValue(value);
}

void PrometheusText::sample(const char *name, const LabelList &labels, double value)
{
    m_text += name;
    if (!labels.empty()) {
        m_text += '{';
        bool first = true;
        for (const auto &[key, labelValue] : labels) {
            appendLabel(first, key.constData(), labelValue);
            first = false;
        }
        m_text += '}';
    }
    appendValue(value);
}

void PrometheusText::appendLabel(bool first, const char *name, const QString &value)
{
    if (!first)
        m_text += ',';
    m_text += name;
    m_text += "=\"";
    m_text += escape(value);
    m_text += '"';
}

void PrometheusText::appendValue(double value)
{
    m_text += ' ';
    if (std::isnan(value))
        m_text += "NaN";
    else if (value == std::floor(value) && std::fabs(value) < 1e15)
        m_text += QByteArray::number(qint64(value));
    else
        m_text += QByteArray::number(value, 'g', 15);
    m_text += '\n';
}

QByteArray PrometheusText::labelName(const QString &name)
{
    QByteArray out = name.toLatin1();
    for (char &c : out) {
        const bool valid = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'
            || (c >= '0' && c <= '9');
        if (!valid)
            c = '_';
    }
    // Names beginning "__" are Prometheus's own; a digit cannot begin one.
    if (out.isEmpty() || out.startsWith("__") || (out.at(0) >= '0' && out.at(0) <= '9'))
        return {};
    return out;
}

QByteArray PrometheusText::escape(const QString &labelValue)
{
    QByteArray out;
    for (const char c : labelValue.toUtf8()) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

} // namespace dmr::console
