// SPDX-License-Identifier: MIT
#pragma once

#include <QAction>
#include <QMenu>
#include <QString>

// The window's tests find menu entries as a person does: by their text.
namespace TestWidgets {

// The action of `menu` whose text is `text` (with its & as shown), or null.
inline QAction *actionNamed(QMenu *menu, const QString &text)
{
    for (QAction *action : menu->actions()) {
        if (action->text() == text)
            return action;
    }
    return nullptr;
}

} // namespace TestWidgets
