"""Bilingual texts of the case consoles (/console/cases, /console/watchlist, /console/audit)
and of the public /status page.

Kept apart from backend/i18n.py while both are being written; meant to be merged into
its MESSAGES later (the keys are prefixed `cc_` so they cannot collide). Every text is a
whole sentence or label per language; parameters are filled in, never glued together.
`tc()` falls back to backend.i18n.t for any key not found here.
"""
from __future__ import annotations

from typing import Any

from backend.i18n import LANGUAGES, t

CASE_MESSAGES: dict[str, dict[str, str]] = {
    # --- navigation and titles -------------------------------------------------------
    "cc_nav_cases": {"en": "Cases", "zh": "办件"},
    "cc_nav_watchlist": {"en": "Watchlist", "zh": "异常名单"},
    "cc_nav_audit": {"en": "Audit log", "zh": "审计日志"},
    "cc_cases_title": {"en": "Case items", "zh": "办件事项"},
    "cc_cases_scope_all": {"en": "All departments.", "zh": "全部部门。"},
    "cc_cases_scope_department": {
        "en": "Items of your department ({department}) and cases in joint review.",
        "zh": "本部门（{department}）的事项以及联合审查中的办件。",
    },
    "cc_cases_scope_none": {
        "en": "Your account has no department: only cases in joint review are shown. "
        "Ask an administrator to set your department.",
        "zh": "您的账号未设置部门：仅显示联合审查中的办件。请联系管理员设置部门。",
    },
    "cc_case_title": {"en": "Case {number}", "zh": "办件 {number}"},
    "cc_watchlist_title": {"en": "Abnormal-information list", "zh": "异常信息名单"},
    "cc_audit_title": {"en": "Audit log", "zh": "审计日志"},
    "cc_status_title": {"en": "Check the progress of your application", "zh": "查询办件进度"},
    "cc_status_brand": {"en": "Foreigners Working in China: one-stop service", "zh": "外国人来华工作“一件事”"},
    # --- list filters and columns ----------------------------------------------------
    "cc_filter_state": {"en": "State", "zh": "状态"},
    "cc_filter_all_states": {"en": "All states", "zh": "全部状态"},
    "cc_filter_kind": {"en": "Test or real", "zh": "测试件或正式件"},
    "cc_filter_all_kinds": {"en": "Real and test cases", "zh": "正式件和测试件"},
    "cc_filter_real": {"en": "Real cases only", "zh": "仅正式件"},
    "cc_filter_test": {"en": "Test cases only", "zh": "仅测试件"},
    "cc_search_number": {"en": "Case number", "zh": "办件编号"},
    "cc_search_placeholder": {"en": "e.g. FJ2026000123", "zh": "例如 FJ2026000123"},
    "cc_filter_apply": {"en": "Filter", "zh": "筛选"},
    "cc_items_count": {"en": "{count} items", "zh": "共 {count} 项"},
    "cc_no_items": {"en": "No item matches these filters.", "zh": "没有符合筛选条件的事项。"},
    "cc_col_number": {"en": "Case number", "zh": "办件编号"},
    "cc_col_department": {"en": "Department", "zh": "部门"},
    "cc_col_services": {"en": "Items", "zh": "办理事项"},
    "cc_col_state": {"en": "State", "zh": "状态"},
    "cc_col_submitted": {"en": "Submitted", "zh": "提交时间"},
    "cc_col_updated": {"en": "Last change", "zh": "最近变更"},
    "cc_col_field": {"en": "Field", "zh": "字段"},
    "cc_col_value": {"en": "Value", "zh": "内容"},
    "cc_col_when": {"en": "When (UTC)", "zh": "时间（UTC）"},
    "cc_col_actor": {"en": "Who", "zh": "操作人"},
    "cc_col_action": {"en": "Action", "zh": "操作"},
    "cc_col_case": {"en": "Case", "zh": "办件"},
    "cc_col_detail": {"en": "Detail", "zh": "详情"},
    "cc_col_reason": {"en": "Reason", "zh": "原因"},
    "cc_col_added_by": {"en": "Added by", "zh": "添加人"},
    "cc_col_hash": {"en": "Keyed hash (start)", "zh": "密钥哈希（前段）"},
    "cc_col_note": {"en": "Note", "zh": "备注"},
    "cc_badge_test": {"en": "test case", "zh": "测试件"},
    "cc_badge_joint": {"en": "joint review", "zh": "联合审查"},
    "cc_badge_held": {"en": "held for joint review", "zh": "联合审查暂缓"},
    # --- states (the item and case state labels are backend.i18n's case_item_state_* and
    # case_state_*, the same words the assistant uses) -------------------------------------
    "cc_event_joint_review": {"en": "Held for a joint review", "zh": "转入联合审查"},
    "cc_event_joint_review_released": {"en": "Joint review released", "zh": "联合审查已解除"},
    "cc_role_worker": {"en": "the worker", "zh": "申请人本人"},
    "cc_role_hr": {"en": "the employer's HR", "zh": "用人单位人事"},
    # --- case detail ----------------------------------------------------------------
    "cc_case_summary": {
        "en": "Submitted on {when} UTC in {language} through {channel}, by {role}.",
        "zh": "于 {when}（UTC）通过 {channel} 以{language}提交，提交人：{role}。",
    },
    "cc_language_en": {"en": "English", "zh": "英文"},
    "cc_language_zh": {"en": "Chinese", "zh": "中文"},
    "cc_channel_unknown": {"en": "an unknown channel", "zh": "未知渠道"},
    "cc_answers": {"en": "Personal data and answers", "zh": "个人信息和填报内容"},
    "cc_answers_masked": {
        "en": "Personal data is masked. Revealing it is recorded in the audit log with your name.",
        "zh": "个人信息已脱敏显示。查看明文将以您的名义记入审计日志。",
    },
    "cc_answers_revealed": {
        "en": "Personal data is shown in clear. This view was recorded in the audit log. "
        "Do not copy it anywhere else.",
        "zh": "个人信息以明文显示。本次查看已记入审计日志。请勿复制到其他地方。",
    },
    "cc_reveal": {"en": "Reveal personal data", "zh": "查看个人信息明文"},
    "cc_hide": {"en": "Mask again", "zh": "重新脱敏"},
    "cc_no_answers": {"en": "No answers were stored.", "zh": "没有保存的填报内容。"},
    "cc_items": {"en": "Items by department", "zh": "各部门事项"},
    "cc_timeline": {"en": "Timeline", "zh": "进度记录"},
    "cc_timeline_empty": {"en": "Nothing has happened yet.", "zh": "暂无进度记录。"},
    "cc_timeline_line": {"en": "{when} UTC: {state}", "zh": "{when}（UTC）：{state}"},
    "cc_timeline_by": {"en": "by {actor}", "zh": "操作人：{actor}"},
    "cc_change_state": {"en": "Change the state", "zh": "变更状态"},
    "cc_new_state": {"en": "New state", "zh": "新状态"},
    "cc_note": {"en": "Note (sent to the applicant)", "zh": "备注（将发送给申请人）"},
    "cc_note_help": {
        "en": "Say what happens next or what the applicant must supply. At most {max} characters.",
        "zh": "请说明下一步或申请人需补充的内容。最多 {max} 个字符。",
    },
    "cc_save_state": {"en": "Change the state", "zh": "确认变更"},
    "cc_no_transition": {
        "en": "This item is in a final state: no further change is possible.",
        "zh": "该事项已是最终状态，不能再变更。",
    },
    "cc_not_your_department": {
        "en": "This item belongs to another department; only that department can change it.",
        "zh": "该事项属于其他部门，只有该部门可以变更。",
    },
    "cc_held_joint": {
        "en": "This case is in joint review: its items are held until the joint review is released.",
        "zh": "该办件正在联合审查：各事项暂缓办理，待联合审查解除后方可办理。",
    },
    "cc_release": {"en": "Release the joint review", "zh": "解除联合审查"},
    "cc_release_confirm": {
        "en": "Release the joint review? The items then go to their departments as usual.",
        "zh": "确定解除联合审查吗？解除后各事项将照常分送各部门办理。",
    },
    "cc_release_note": {"en": "Reason for the release", "zh": "解除原因"},
    "cc_mark_test": {"en": "Mark as a test case", "zh": "标记为测试件"},
    "cc_unmark_test": {"en": "Mark as a real case", "zh": "标记为正式件"},
    "cc_mark_test_help": {
        "en": "Test cases run through the whole flow but are left out of the statistics.",
        "zh": "测试件走完整流程，但不计入统计。",
    },
    "cc_done_state": {"en": "The state is now: {state}. The applicant is being told.",
                      "zh": "状态已变更为：{state}。系统正在通知申请人。"},
    "cc_done_test": {"en": "The case is now marked as a test case.", "zh": "该办件已标记为测试件。"},
    "cc_done_real": {"en": "The case is now marked as a real case.", "zh": "该办件已标记为正式件。"},
    "cc_done_release": {"en": "The joint review of {number} was released.", "zh": "办件 {number} 的联合审查已解除。"},
    "cc_case_not_found": {"en": "There is no case with the number \"{number}\".",
                          "zh": "没有编号为“{number}”的办件。"},
    "cc_case_other_department": {
        "en": "This case has no item for your department.",
        "zh": "该办件没有属于本部门的事项。",
    },
    "cc_state_invalid": {"en": "Choose one of the states offered.", "zh": "请从提供的状态中选择。"},
    "cc_note_too_long": {"en": "The note is too long: at most {max} characters.",
                         "zh": "备注过长：最多 {max} 个字符。"},
    # --- watchlist -----------------------------------------------------------------
    "cc_watchlist_help": {
        "en": "Submissions whose passport number is on this list go to joint review, visible to every "
        "department, instead of being split automatically. Only a keyed hash of each number is stored: "
        "the list cannot be read back as passport numbers.",
        "zh": "护照号码在此名单上的申请将转入各部门可见的联合审查，而不自动分送。系统只保存每个号码的密钥哈希值，"
        "无法从名单还原护照号码。",
    },
    "cc_watch_add": {"en": "Add a passport number", "zh": "添加护照号码"},
    "cc_watch_passport": {"en": "Passport number", "zh": "护照号码"},
    "cc_watch_reason": {"en": "Reason (no personal data)", "zh": "原因（不要填写个人信息）"},
    "cc_watch_add_button": {"en": "Add to the list", "zh": "加入名单"},
    "cc_watch_remove": {"en": "Remove", "zh": "移除"},
    "cc_watch_remove_confirm": {"en": "Remove this entry from the list?", "zh": "确定从名单中移除此条目吗？"},
    "cc_watch_entries": {"en": "{count} entries on the list", "zh": "名单共 {count} 条"},
    "cc_watch_empty": {"en": "The list is empty.", "zh": "名单为空。"},
    "cc_watch_added": {"en": "The passport number was added to the list (as a keyed hash).",
                       "zh": "护照号码已加入名单（以密钥哈希保存）。"},
    "cc_watch_removed": {"en": "The entry was removed from the list.", "zh": "条目已从名单中移除。"},
    "cc_watch_passport_invalid": {
        "en": "A passport number has 5 to 20 letters or digits, for example E12345678.",
        "zh": "护照号码由 5 至 20 位字母或数字组成，例如 E12345678。",
    },
    "cc_watch_reason_too_long": {"en": "The reason is too long: at most {max} characters.",
                                 "zh": "原因过长：最多 {max} 个字符。"},
    "cc_watch_duplicate": {"en": "This passport number is already on the list.", "zh": "该护照号码已在名单中。"},
    "cc_joint_not_pending": {"en": "This case is not in joint review.", "zh": "该办件不在联合审查中。"},
    "cc_note_required": {
        "en": "Write a note for this state: the applicant must learn what to supply or why.",
        "zh": "此状态需要填写备注：申请人需要知道应补充什么或原因。",
    },
    "cc_watch_not_found": {"en": "This entry is no longer on the list.", "zh": "该条目已不在名单中。"},
    "cc_joint_title": {"en": "Cases in joint review", "zh": "联合审查中的办件"},
    "cc_joint_empty": {"en": "No case is waiting in joint review.", "zh": "没有等待联合审查的办件。"},
    # --- audit ---------------------------------------------------------------------
    "cc_audit_help": {
        "en": "Who viewed or changed which case, newest first. No personal data is recorded here.",
        "zh": "记录谁查看或变更了哪个办件，最新的在前。此处不记录个人信息。",
    },
    "cc_audit_filter_actor": {"en": "User", "zh": "用户"},
    "cc_audit_filter_action": {"en": "Action", "zh": "操作"},
    "cc_audit_all_actions": {"en": "All actions", "zh": "全部操作"},
    "cc_audit_empty": {"en": "No audit record matches.", "zh": "没有符合条件的审计记录。"},
    "cc_audit_page": {"en": "Page {page} of {pages} ({total} records)", "zh": "第 {page} / {pages} 页（共 {total} 条）"},
    "cc_previous": {"en": "Previous page", "zh": "上一页"},
    "cc_next": {"en": "Next page", "zh": "下一页"},
    "cc_audit_action_view": {"en": "viewed", "zh": "查看"},
    "cc_audit_action_reveal": {"en": "revealed personal data", "zh": "查看个人信息明文"},
    "cc_audit_action_state_change": {"en": "changed a state", "zh": "变更状态"},
    "cc_audit_action_mark_test": {"en": "marked test / real", "zh": "标记测试件 / 正式件"},
    "cc_audit_action_watchlist_add": {"en": "added to the watchlist", "zh": "加入异常名单"},
    "cc_audit_action_watchlist_remove": {"en": "removed from the watchlist", "zh": "移出异常名单"},
    "cc_audit_action_joint_review_release": {"en": "released a joint review", "zh": "解除联合审查"},
    "cc_audit_action_status_view": {"en": "status checked", "zh": "查询进度"},
    # --- public status page --------------------------------------------------------
    "cc_status_intro": {
        "en": "Enter your case number and the last four characters of your passport number.",
        "zh": "请输入办件编号和护照号码的最后四位。",
    },
    "cc_status_number": {"en": "Case number", "zh": "办件编号"},
    "cc_status_last4": {"en": "Last four characters of the passport number", "zh": "护照号码最后四位"},
    "cc_status_submit": {"en": "Show the progress", "zh": "查询进度"},
    "cc_status_failed": {
        "en": "The case number and the passport characters do not match any case. "
        "You have {left} more attempts before this case number is locked for 15 minutes.",
        "zh": "办件编号与护照号码后四位不匹配。再输错 {left} 次，该办件编号将被锁定 15 分钟。",
    },
    "cc_status_failed_last": {
        "en": "The case number and the passport characters do not match any case. "
        "One more wrong attempt locks this case number for 15 minutes.",
        "zh": "办件编号与护照号码后四位不匹配。再输错 1 次，该办件编号将被锁定 15 分钟。",
    },
    "cc_status_locked": {
        "en": "Too many wrong attempts for this case number. Try again in {minutes} minutes.",
        "zh": "该办件编号输错次数过多，请在 {minutes} 分钟后再试。",
    },
    "cc_status_number_invalid": {
        "en": "A case number is the region letters, the year and six digits, for example FJ2026000123.",
        "zh": "办件编号由地区字母、年份和六位数字组成，例如 FJ2026000123。",
    },
    "cc_status_last4_invalid": {
        "en": "Enter exactly the last four letters or digits of the passport number.",
        "zh": "请准确输入护照号码最后四位字母或数字。",
    },
    "cc_status_required": {
        "en": "Enter both the case number and the last four characters of the passport number.",
        "zh": "请同时填写办件编号和护照号码最后四位。",
    },
    "cc_status_result": {"en": "Case {number}", "zh": "办件 {number}"},
    "cc_status_overall": {"en": "Overall: {state}", "zh": "总体状态：{state}"},
    "cc_status_item_state": {"en": "Current state: {state}", "zh": "当前状态：{state}"},
    "cc_status_privacy": {
        "en": "We never show your personal data on this page. Ask the assistant or the office if anything is unclear.",
        "zh": "本页面不会显示您的个人信息。如有疑问，请咨询智能助手或办理部门。",
    },
    "cc_status_other": {"en": "Check another case", "zh": "查询其他办件"},
    "cc_form_expired": {
        "en": "The form has expired. Please enter the details again.",
        "zh": "表单已过期，请重新填写。",
    },
}


def tc(key: str, lang: str, /, **params: Any) -> str:
    """The text for `key` in `lang` (en when unknown), from this catalogue or backend.i18n."""
    entry = CASE_MESSAGES.get(key)
    if entry is None:
        return t(key, lang, **params)
    text = entry.get(lang if lang in LANGUAGES else "en") or entry["en"]
    return text.format(**params) if params else text


def bound(lang: str) -> Any:
    """tc() with the language filled in, for templates: `tc('cc_nav_cases')`."""
    return lambda key, **params: tc(key, lang, **params)
