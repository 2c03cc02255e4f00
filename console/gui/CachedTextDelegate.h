// SPDX-License-Identifier: MIT
#pragma once

#include <QFont>
#include <QHash>
#include <QStaticText>
#include <QStyledItemDelegate>
#include <vector>

namespace dmr::console {

// Paints plain-text cells like QStyledItemDelegate, but through a cache of
// laid-out text (QStaticText). The style lays out and shapes every cell's text
// on every paint; with ten thousand devices sorted by a live column, every
// visible cell repaints four times a second, and shaping was most of the GUI
// thread's time. Numbers, hostnames and "12 s ago" repeat, so the cache hits.
// An icon is drawn left of the text; cells with a check box are left to
// QStyledItemDelegate. Texts are kept per font, for a few fonts: the grouped
// device tree paints bold headings between its rows, and one cache for one
// font would start over at every heading.
class CachedTextDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
        const QModelIndex &index) const override;

    int cachedTexts() const;

private:
    struct Cache
    {
        QFont font;
        QHash<QString, QStaticText> texts;
    };
    const QStaticText &staticText(const QString &text, const QFont &font) const;

    mutable std::vector<Cache> m_caches; // the most recently added last
};

} // namespace dmr::console
