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
            if (!first)
                m_text += ',';
            first = false;
            m_text += key;
            m_text += "=\"";
            m_text += escape(labelValue);
            m_text += '"';
        }
        m_text += '}';
    }
    m_text += ' ';
    if (std::isnan(value))
        m_text += "NaN";
    else if (value == std::floor(value) && std::fabs(value) < 1e15)
        m_text += QByteArray::number(qint64(value));
    else
        m_text += QByteArray::number(value, 'g', 15);
    m_text += '\n';
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
