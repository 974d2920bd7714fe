"""Bilingual message catalogue for API errors and the consoles, and language negotiation.

Every message is a whole sentence per language; parameters are filled in, never
translated fragments glued together.
"""
from __future__ import annotations

LANGUAGES = ("en", "zh")

MESSAGES: dict[str, dict[str, str]] = {
    # --- API errors -------------------------------------------------------------
    "unauthorized": {
        "en": "A valid service token or staff login is required.",
        "zh": "需要有效的服务令牌或工作人员登录。",
    },
    "forbidden": {
        "en": "Your role does not allow this action.",
        "zh": "您的角色无权执行此操作。",
    },
    "csrf_failed": {
        "en": "The form has expired or did not come from this site. Reload the page and try again.",
        "zh": "表单已过期或并非来自本网站。请刷新页面后重试。",
    },
    "not_found": {"en": "Nothing was found at this address.", "zh": "此地址下没有内容。"},
    "method_not_allowed": {
        "en": "This method is not allowed at this address.",
        "zh": "此地址不支持该请求方法。",
    },
    "invalid_json": {
        "en": "The request body must be a JSON object.",
        "zh": "请求体必须是一个 JSON 对象。",
    },
    "payload_too_large": {
        "en": "The request is too large.",
        "zh": "请求内容过大。",
    },
    "internal_error": {
        "en": "Something went wrong on our side. Please try again later.",
        "zh": "服务器内部出错，请稍后再试。",
    },
    "question_empty": {"en": "The question is empty.", "zh": "问题不能为空。"},
    "question_too_long": {
        "en": "The question is too long: at most {max} characters are accepted.",
        "zh": "问题太长：最多接受 {max} 个字符。",
    },
    "invalid_language": {
        "en": "The language must be \"en\" or \"zh\".",
        "zh": "语言只能是 \"en\" 或 \"zh\"。",
    },
    "feedback_invalid": {
        "en": "Feedback needs an entry_id and \"helpful\" set to true or false.",
        "zh": "反馈需要提供 entry_id，并将 \"helpful\" 设为 true 或 false。",
    },
    "entry_not_found": {
        "en": "There is no knowledge-base entry with the id \"{id}\".",
        "zh": "知识库中没有编号为 \"{id}\" 的条目。",
    },
    "revision_not_found": {
        "en": "This entry has no revision number {version}.",
        "zh": "该条目没有第 {version} 版。",
    },
    "retrieval_unavailable": {
        "en": "The answer search is not available right now.",
        "zh": "答案检索暂时不可用。",
    },
    "region_not_found": {
        "en": "There is no profile for the region \"{region}\".",
        "zh": "没有地区 \"{region}\" 的配置。",
    },
    "entry_invalid": {
        "en": "The entry was not saved: please correct the fields marked below.",
        "zh": "条目未保存：请更正下面标出的字段。",
    },
    "entry_version_conflict": {
        "en": "Someone else changed this entry after you opened it (it is now at version {version}). "
        "Reload it and apply your change again.",
        "zh": "在您打开此条目后，其他人修改了它（当前为第 {version} 版）。请重新加载后再修改。",
    },
    "entry_id_taken": {
        "en": "An entry with the id \"{id}\" already exists.",
        "zh": "编号为 \"{id}\" 的条目已存在。",
    },
    "import_rejected": {
        "en": "The file was not imported because it has {count} error(s). Nothing was changed.",
        "zh": "文件有 {count} 处错误，未导入。数据没有任何改动。",
    },
    "login_failed": {"en": "Wrong username or password.", "zh": "用户名或密码错误。"},
    "password_too_short": {
        "en": "The password must have at least {min} characters.",
        "zh": "密码至少需要 {min} 个字符。",
    },
    "role_invalid": {
        "en": "The role must be one of: helpdesk, officer, policy_editor, admin.",
        "zh": "角色必须是以下之一：helpdesk、officer、policy_editor、admin。",
    },
    "username_invalid": {
        "en": "The username must be 3 to 64 letters, digits, dots, hyphens or underscores.",
        "zh": "用户名须为 3 到 64 个字母、数字、点、连字符或下划线。",
    },
    "username_taken": {
        "en": "The username \"{username}\" is already taken.",
        "zh": "用户名 \"{username}\" 已被使用。",
    },
    # --- field-level validation (entry editor and import) -----------------------
    "field_required": {"en": "This field is required.", "zh": "此项为必填。"},
    "field_too_long": {
        "en": "This field is too long: at most {max} characters.",
        "zh": "此项太长：最多 {max} 个字符。",
    },
    "field_type_text": {"en": "This field must be text.", "zh": "此项必须是文本。"},
    "field_type_list": {
        "en": "This field must be a list of questions.",
        "zh": "此项必须是问题列表。",
    },
    "field_type_bool": {"en": "This field must be true or false.", "zh": "此项必须是 true 或 false。"},
    "field_type_languages": {
        "en": "This field must have an \"en\" and a \"zh\" part.",
        "zh": "此项必须包含 \"en\" 和 \"zh\" 两部分。",
    },
    "too_many_questions": {
        "en": "At most {max} example questions per language.",
        "zh": "每种语言最多 {max} 个示例问题。",
    },
    "id_invalid": {
        "en": "The id must be 2 to 100 characters: lowercase letters, digits, dots, hyphens or underscores.",
        "zh": "编号须为 2 到 100 个字符：小写字母、数字、点、连字符或下划线。",
    },
    "topic_invalid": {
        "en": "The topic must be 1 to 64 characters: lowercase letters, digits or underscores.",
        "zh": "主题须为 1 到 64 个字符：小写字母、数字或下划线。",
    },
    "date_invalid": {
        "en": "The date checked must be a date such as 2026-11-23.",
        "zh": "核对日期必须是形如 2026-11-23 的日期。",
    },
    "publish_needs_both_languages": {
        "en": "An entry can be published only with example questions and an answer in both English and Chinese.",
        "zh": "条目必须同时有中英文示例问题和答案才能发布。",
    },
    "status_invalid": {
        "en": "The status must be draft, published or retired.",
        "zh": "状态必须是 draft、published 或 retired。",
    },
    # --- import-file errors (each shown with its line number) -------------------
    "yaml_syntax": {"en": "This is not valid YAML: {problem}.", "zh": "这不是有效的 YAML：{problem}。"},
    "yaml_not_text": {
        "en": "The file is not UTF-8 text.",
        "zh": "文件不是 UTF-8 文本。",
    },
    "yaml_no_entries": {
        "en": "The file must be a mapping with an \"entries:\" list.",
        "zh": "文件必须是包含 \"entries:\" 列表的映射。",
    },
    "yaml_entry_not_mapping": {
        "en": "Each item under \"entries:\" must be a mapping (id, topic, questions, answer, ...).",
        "zh": "\"entries:\" 下的每一项都必须是映射（id、topic、questions、answer……）。",
    },
    "yaml_field_missing": {
        "en": "Entry \"{id}\" has no \"{field}\" field.",
        "zh": "条目 \"{id}\" 缺少 \"{field}\" 字段。",
    },
    "yaml_field_unknown": {
        "en": "Entry \"{id}\" has an unknown field \"{field}\".",
        "zh": "条目 \"{id}\" 含有未知字段 \"{field}\"。",
    },
    "yaml_field_invalid": {
        "en": "Entry \"{id}\", field \"{field}\": {reason}",
        "zh": "条目 \"{id}\" 的 \"{field}\" 字段：{reason}",
    },
    "yaml_duplicate_key": {
        "en": "The key \"{key}\" appears twice in the same mapping.",
        "zh": "同一映射中键 \"{key}\" 出现了两次。",
    },
    "yaml_duplicate_id": {
        "en": "The id \"{id}\" is used again (first on line {first_line}).",
        "zh": "编号 \"{id}\" 重复使用（首次出现在第 {first_line} 行）。",
    },
    "yaml_file": {"en": "{file}, line {line}", "zh": "{file} 第 {line} 行"},
}


def t(key: str, lang: str, /, **params: object) -> str:
    """The message `key` in `lang` ("en" or "zh"), with `params` filled in."""
    texts = MESSAGES.get(key)
    if texts is None:
        return key
    text = texts.get(lang) or texts["en"]
    return text.format(**params) if params else text


def negotiate(accept_language: str | None, default: str = "en") -> str:
    """Pick "en" or "zh" from an Accept-Language header (q-values honoured)."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    if not ranked:
        return default
    return sorted(ranked)[0][2]


# --- console and chat-page labels ------------------------------------------------------
MESSAGES.update({
    "ui_product": {"en": "Foreigners Working in China: staff console", "zh": "外国人来华工作“一件事”：工作人员后台"},
    "ui_switch_language": {"en": "中文", "zh": "English"},
    "ui_login_title": {"en": "Staff sign-in", "zh": "工作人员登录"},
    "ui_username": {"en": "Username", "zh": "用户名"},
    "ui_password": {"en": "Password", "zh": "密码"},
    "ui_sign_in": {"en": "Sign in", "zh": "登录"},
    "ui_sign_out": {"en": "Sign out", "zh": "退出登录"},
    "ui_signed_in_as": {"en": "Signed in as {username} ({role})", "zh": "当前用户：{username}（{role}）"},
    "ui_kb": {"en": "Knowledge base", "zh": "知识库"},
    "ui_preview": {"en": "Test a question", "zh": "测试提问"},
    "ui_import_export": {"en": "Import / export", "zh": "导入 / 导出"},
    "ui_new_entry": {"en": "New entry", "zh": "新建条目"},
    "ui_search": {"en": "Search", "zh": "搜索"},
    "ui_search_placeholder": {"en": "Words in an id, question or answer", "zh": "编号、问题或答案中的文字"},
    "ui_all_statuses": {"en": "All statuses", "zh": "全部状态"},
    "ui_all_topics": {"en": "All topics", "zh": "全部主题"},
    "ui_status_draft": {"en": "Draft", "zh": "草稿"},
    "ui_status_published": {"en": "Published", "zh": "已发布"},
    "ui_status_retired": {"en": "Retired", "zh": "已停用"},
    "ui_col_id": {"en": "Id", "zh": "编号"},
    "ui_col_topic": {"en": "Topic", "zh": "主题"},
    "ui_col_question": {"en": "First question", "zh": "第一个问题"},
    "ui_col_status": {"en": "Status", "zh": "状态"},
    "ui_col_checked": {"en": "Checked", "zh": "核对日期"},
    "ui_col_feedback": {"en": "Helpful (yes / no)", "zh": "有帮助（是 / 否）"},
    "ui_col_updated": {"en": "Last change", "zh": "最近修改"},
    "ui_uncertain_badge": {"en": "uncertain", "zh": "待确认"},
    "ui_entries_count": {"en": "{count} entries", "zh": "共 {count} 条"},
    "ui_no_entries": {"en": "No entry matches.", "zh": "没有匹配的条目。"},
    "ui_edit": {"en": "Edit", "zh": "编辑"},
    "ui_history": {"en": "History", "zh": "修改历史"},
    "ui_english": {"en": "English", "zh": "英文"},
    "ui_chinese": {"en": "Chinese", "zh": "中文"},
    "ui_questions_help": {
        "en": "Example questions, one per line: several phrasings help the assistant find this entry.",
        "zh": "示例问题，每行一个：多写几种问法，助手更容易找到本条目。",
    },
    "ui_questions": {"en": "Example questions", "zh": "示例问题"},
    "ui_answer": {"en": "Answer", "zh": "答案"},
    "ui_source": {"en": "Source (address of the official text)", "zh": "来源（官方文件网址）"},
    "ui_checked": {"en": "Date checked", "zh": "核对日期"},
    "ui_uncertain": {
        "en": "Uncertain: the assistant tells users to confirm with the office and offers a person",
        "zh": "待确认：助手会提醒用户向办理部门核实，并提供转人工",
    },
    "ui_save": {"en": "Save", "zh": "保存"},
    "ui_save_publish": {"en": "Save and publish", "zh": "保存并发布"},
    "ui_save_draft": {"en": "Save as draft (not answered)", "zh": "保存为草稿（不用于回答）"},
    "ui_publish": {"en": "Publish", "zh": "发布"},
    "ui_retire": {"en": "Retire", "zh": "停用"},
    "ui_retire_confirm": {"en": "Retired entries are no longer used to answer. Retire?",
                          "zh": "停用后该条目不再用于回答。确定停用吗？"},
    "ui_saved": {"en": "Saved. The assistant uses this version from the next question on.",
                 "zh": "已保存。助手从下一个问题起使用此版本。"},
    "ui_status_changed": {"en": "The status is now: {status}.", "zh": "状态已改为：{status}。"},
    "ui_rolled_back": {"en": "Restored the content of version {version} as a new version.",
                       "zh": "已将第 {version} 版的内容恢复为新版本。"},
    "ui_version": {"en": "Version {version}", "zh": "第 {version} 版"},
    "ui_edit_entry": {"en": "Edit entry {id}", "zh": "编辑条目 {id}"},
    "ui_history_of": {"en": "History of {id}", "zh": "{id} 的修改历史"},
    "ui_rev_action_create": {"en": "created", "zh": "创建"},
    "ui_rev_action_edit": {"en": "edited", "zh": "编辑"},
    "ui_rev_action_import": {"en": "imported", "zh": "导入"},
    "ui_rev_action_publish": {"en": "published", "zh": "发布"},
    "ui_rev_action_retire": {"en": "retired", "zh": "停用"},
    "ui_rev_action_rollback": {"en": "rolled back", "zh": "回滚"},
    "ui_rev_line": {"en": "Version {version}: {action} by {author} at {when} UTC",
                    "zh": "第 {version} 版：{author} 于 {when}（UTC）{action}"},
    "ui_rollback": {"en": "Restore this version", "zh": "恢复到此版本"},
    "ui_current": {"en": "current", "zh": "当前版本"},
    "ui_preview_help": {
        "en": "Type a question as a user would. You see which published entries answer it, with scores, "
        "exactly as the assistant would.",
        "zh": "像用户一样输入问题，即可看到助手会用哪些已发布条目回答，以及对应的分数。",
    },
    "ui_question": {"en": "Question", "zh": "问题"},
    "ui_language": {"en": "Language", "zh": "语言"},
    "ui_try": {"en": "Try it", "zh": "测试"},
    "ui_preview_answer": {"en": "The assistant answers with entry {id}.", "zh": "助手将用条目 {id} 回答。"},
    "ui_preview_candidates": {
        "en": "Not confident: the assistant offers these questions as buttons, plus a person.",
        "zh": "把握不足：助手会把这些问题作为按钮提供给用户，并提供转人工。",
    },
    "ui_preview_none": {"en": "No entry matches: the assistant offers a person.",
                        "zh": "没有匹配的条目：助手会提供转人工。"},
    "ui_col_rank": {"en": "Rank", "zh": "排名"},
    "ui_col_score": {"en": "Score", "zh": "分数"},
    "ui_col_confidence": {"en": "Confidence", "zh": "置信度"},
    "ui_import_title": {"en": "Import entries from YAML", "zh": "从 YAML 导入条目"},
    "ui_import_help": {
        "en": "The file has the same format as knowledge/faq/*.yml. It is imported whole or not at all. "
        "Entries edited here since the last import are never overwritten unless you tick the box below.",
        "zh": "文件格式与 knowledge/faq/*.yml 相同，要么整体导入，要么完全不导入。"
        "上次导入后在此处编辑过的条目不会被覆盖，除非勾选下面的选项。",
    },
    "ui_file": {"en": "YAML file", "zh": "YAML 文件"},
    "ui_overwrite": {
        "en": "Overwrite entries that were also edited here (the edited version stays in the history)",
        "zh": "覆盖在此处也编辑过的条目（编辑过的版本保留在历史中）",
    },
    "ui_import": {"en": "Import", "zh": "导入"},
    "ui_export_title": {"en": "Export", "zh": "导出"},
    "ui_export_all": {"en": "Download all entries as YAML", "zh": "下载全部条目（YAML）"},
    "ui_import_done": {"en": "Import finished.", "zh": "导入完成。"},
    "ui_import_created": {"en": "Created: {count}", "zh": "新建：{count}"},
    "ui_import_updated": {"en": "Updated from the file: {count}", "zh": "按文件更新：{count}"},
    "ui_import_unchanged": {"en": "Unchanged: {count}", "zh": "无变化：{count}"},
    "ui_import_kept": {"en": "Kept as edited here (the file has not changed since): {count}",
                       "zh": "保留此处的编辑（文件此后未改动）：{count}"},
    "ui_import_conflicts": {
        "en": "Conflicts, kept as edited here: {count}. Compare them and edit by hand, or import again with "
        "overwrite.",
        "zh": "冲突，保留此处的编辑：{count} 条。请对比后手动修改，或勾选覆盖后重新导入。",
    },
    "ui_import_overwritten": {"en": "Overwritten from the file: {count}", "zh": "已按文件覆盖：{count}"},
    "ui_error_title": {"en": "Something is not right", "zh": "出现问题"},
    "ui_back": {"en": "Back", "zh": "返回"},
    "ui_forbidden_hint": {
        "en": "The knowledge base is for policy editors and admins.",
        "zh": "知识库仅供政策编辑和管理员使用。",
    },
    "ui_field_id_help": {"en": "Lowercase letters, digits and hyphens, e.g. wp-extension-deadline.",
                         "zh": "小写字母、数字和连字符，例如 wp-extension-deadline。"},
    "ui_topic_help": {"en": "e.g. work_permit, residence_permit, social_insurance",
                      "zh": "例如 work_permit、residence_permit、social_insurance"},
    # the public chat page
    "chat_title": {"en": "Foreigners Working in China: assistant", "zh": "外国人来华工作“一件事”智能助手"},
    "chat_intro": {
        "en": "Ask about work permits, residence permits, social insurance and the integrated service, "
        "in English or Chinese.",
        "zh": "可用中文或英文咨询工作许可、居留许可、社会保险及“一件事”集成办理。",
    },
    "chat_placeholder": {"en": "Type your message", "zh": "请输入您的问题"},
    "chat_send": {"en": "Send", "zh": "发送"},
    "chat_you": {"en": "You", "zh": "您"},
    "chat_bot": {"en": "Assistant", "zh": "助手"},
    "chat_offline": {
        "en": "The assistant cannot be reached right now. Please try again in a moment.",
        "zh": "暂时无法连接助手，请稍后再试。",
    },
    "chat_privacy": {
        "en": "Do not type passport numbers or other personal data unless the assistant asks for them "
        "after your consent.",
        "zh": "除非助手在征得您同意后询问，请勿输入护照号码等个人信息。",
    },
})


# --- eligibility check: API field errors and the printable checklist ---------------------
# (backend/blueprints/eligibility.py; the engine's own sentences are in
# knowledge/eligibility/messages.yml)
MESSAGES.update({
    "eligibility_invalid": {
        "en": "Some answers are not valid. Each field below says what is needed.",
        "zh": "部分回答无效，请按下列各项的说明更正。",
    },
    "eligibility_unavailable": {
        "en": "The eligibility check is not available right now. Please try again later or ask our staff.",
        "zh": "资格评估暂时不可用，请稍后再试或转人工咨询。",
    },
    "elig_not_object": {"en": "The answers must be a JSON object.", "zh": "回答必须是一个 JSON 对象。"},
    "elig_required": {"en": "This answer is required.", "zh": "此项为必填。"},
    "elig_unknown_field": {
        "en": "This field is not known. Check its name against the API description.",
        "zh": "未知字段，请对照接口说明检查字段名。",
    },
    "elig_age": {
        "en": "The age must be a whole number of years from {low} to {high}.",
        "zh": "年龄须为 {low} 至 {high} 之间的整数（周岁）。",
    },
    "elig_highest_degree": {
        "en": "The highest degree must be one of: {choices}.",
        "zh": "最高学历须为以下之一：{choices}。",
    },
    "elig_experience": {
        "en": "The relevant work experience must be a number of years from {low} to {high}.",
        "zh": "相关工作经历须为 {low} 至 {high} 之间的年数。",
    },
    "elig_experience_exceeds_age": {
        "en": "{years} years of relevant work experience is not possible at the age of {age}.",
        "zh": "{age} 岁不可能有 {years} 年相关工作经历。",
    },
    "elig_salary": {
        "en": "The annual salary must be a number of CNY (yuan) a year, for example 300000.",
        "zh": "年薪须为以元为单位的数字，例如 300000。",
    },
    "elig_salary_negative": {"en": "The annual salary cannot be negative.", "zh": "年薪不能为负数。"},
    "elig_salary_too_high": {
        "en": "An annual salary of {value} CNY is not plausible. Enter the salary for a whole year in CNY (yuan), "
        "at most {high}.",
        "zh": "年薪 {value} 元不合常理。请填写以元为单位的全年工资，最多 {high} 元。",
    },
    "elig_months": {
        "en": "The months worked in China per year must be a number from {low} to {high}.",
        "zh": "每年在华工作月数须为 {low} 至 {high} 之间的数字。",
    },
    "elig_hsk": {
        "en": "The HSK level must be a whole number from {low} (none) to {high}.",
        "zh": "HSK 等级须为 {low}（无）至 {high} 之间的整数。",
    },
    "elig_boolean": {"en": "This answer must be true or false.", "zh": "此项须为 true 或 false。"},
    "elig_work_location": {
        "en": "The work location must be one of: {choices}.",
        "zh": "工作地点须为以下之一：{choices}。",
    },
    "elig_extras": {
        "en": "The extras must be a list of any of: {choices}.",
        "zh": "加分项须为由以下值组成的列表：{choices}。",
    },
    "elig_local_bonus": {
        "en": "The local bonus must be a number of points from {low} to {high}.",
        "zh": "地方加分须为 {low} 至 {high} 之间的分数。",
    },
    "elig_teaching_experience": {
        "en": "The teaching experience must be a number of years from {low} to {high}.",
        "zh": "教学经历须为 {low} 至 {high} 之间的年数。",
    },
    "elig_teaching_qualification": {
        "en": "The teaching qualification must be one of: {choices}.",
        "zh": "教学资格须为以下之一：{choices}。",
    },
    "elig_nationality_unknown": {
        "en": "We do not recognise the country \"{value}\". Use an ISO code such as DE or DEU, or the country's "
        "name in English or Chinese.",
        "zh": "无法识别国家“{value}”。请使用 ISO 代码（如 DE 或 DEU），或国家的中文或英文名称。",
    },
    "elig_nationality_suggest": {
        "en": "We do not recognise the country \"{value}\". Did you mean {suggestion}? Use an ISO code such as DE "
        "or DEU, or the country's name in English or Chinese.",
        "zh": "无法识别国家“{value}”。您是否指{suggestion}？请使用 ISO 代码（如 DE 或 DEU），或国家的中文或英文名称。",
    },
    "elig_items": {
        "en": "The items must be a list of any of: {choices}; an item may end in _new, _change, _extension or "
        "_cancellation.",
        "zh": "办理事项须为由以下值组成的列表：{choices}；事项名后可加 _new、_change、_extension 或 _cancellation。",
    },
    "elig_item_type": {
        "en": "The item \"{item}\" has no \"{type}\" application.",
        "zh": "事项“{item}”没有“{type}”类申请。",
    },
    "elig_application_type": {
        "en": "The application type must be one of: {choices}.",
        "zh": "申请类型须为以下之一：{choices}。",
    },
    "elig_region": {
        "en": "There is no region profile \"{value}\". Use one of: {choices}.",
        "zh": "没有地区配置“{value}”。请使用以下之一：{choices}。",
    },
    "elig_points_table": {
        "en": "There is no points table \"{value}\". Use one of: {choices}.",
        "zh": "没有积分表“{value}”。请使用以下之一：{choices}。",
    },
    "elig_date": {"en": "This answer must be a date such as 2026-05-31.", "zh": "此项须为日期，格式如 2026-05-31。"},
    "elig_date_future": {"en": "This date cannot be in the future.", "zh": "此日期不能晚于今天。"},
    # the printable checklist page (GET /checklist)
    "checklist_title": {"en": "Your checklist: working in China", "zh": "您的办事清单：外国人来华工作"},
    "checklist_generated": {
        "en": "Prepared on {date} for {region}. It is based on your answers; the office decides.",
        "zh": "{date}为{region}生成。本清单依据您的回答生成，以办理部门的决定为准。",
    },
    "checklist_print_hint": {
        "en": "Use your browser's print command to print this page or save it as PDF.",
        "zh": "可使用浏览器的打印功能打印本页或另存为 PDF。",
    },
    "checklist_both_languages": {"en": "English and Chinese", "zh": "中英对照"},
    "checklist_invalid": {
        "en": "This checklist cannot be made because some answers in the address are not valid:",
        "zh": "网址中的部分回答无效，无法生成清单：",
    },
    "checklist_uncertain": {
        "en": "Parts of this checklist are uncertain. Please confirm them with the office; our staff can help.",
        "zh": "本清单部分内容有待确认，请向办理部门核实，也可转人工协助。",
    },
    "checklist_category": {"en": "Category", "zh": "类别"},
    "checklist_col_route": {"en": "Route", "zh": "认定途径"},
    "checklist_col_status": {"en": "Result", "zh": "结果"},
    "checklist_status_met": {"en": "Met", "zh": "符合"},
    "checklist_status_unmet": {"en": "Not met", "zh": "不符合"},
    "checklist_status_unknown": {"en": "Unknown", "zh": "未知"},
    "checklist_points": {"en": "Points", "zh": "积分"},
    "checklist_points_total": {"en": "Total: {total} points ({table})", "zh": "总分：{total}分（{table}）"},
    "checklist_col_factor": {"en": "Factor", "zh": "要素"},
    "checklist_col_points": {"en": "Points", "zh": "得分"},
    "checklist_col_explanation": {"en": "Why", "zh": "说明"},
    "checklist_factor_salary": {"en": "Annual salary", "zh": "年薪"},
    "checklist_factor_education": {"en": "Education", "zh": "学历"},
    "checklist_factor_experience": {"en": "Work experience", "zh": "工作经历"},
    "checklist_factor_months_in_china": {"en": "Months in China per year", "zh": "每年在华工作时间"},
    "checklist_factor_chinese": {"en": "Chinese", "zh": "汉语水平"},
    "checklist_factor_location": {"en": "Work location", "zh": "工作地点"},
    "checklist_factor_age": {"en": "Age", "zh": "年龄"},
    "checklist_factor_extras": {"en": "Extras", "zh": "加分项"},
    "checklist_factor_local_bonus": {"en": "Local bonus", "zh": "地方加分"},
    "checklist_improve": {"en": "What would raise your points", "zh": "如何提高积分"},
    "checklist_conditions": {"en": "Basic conditions", "zh": "基本条件"},
    "checklist_materials": {"en": "Materials to prepare", "zh": "需准备的材料"},
    "checklist_col_material": {"en": "Material", "zh": "材料"},
    "checklist_col_issuer": {"en": "Issued by", "zh": "出具机构"},
    "checklist_col_validity": {"en": "Validity", "zh": "有效期"},
    "checklist_col_authentication": {"en": "Authentication", "zh": "认证"},
    "checklist_col_for": {"en": "Needed for", "zh": "用于"},
    "checklist_items": {"en": "Items, offices and steps", "zh": "办理事项、部门和步骤"},
    "checklist_office": {"en": "Handled by", "zh": "办理部门"},
    "checklist_deadlines": {"en": "Deadlines and processing times", "zh": "时限"},
    "checklist_col_deadline": {"en": "Deadline", "zh": "时限"},
    "checklist_col_counts_from": {"en": "Counted from", "zh": "起算"},
    "checklist_col_who": {"en": "Who", "zh": "责任方"},
    "checklist_fees": {"en": "Fees", "zh": "收费"},
    "checklist_social_insurance": {"en": "Social insurance", "zh": "社会保险"},
    "checklist_exempt": {"en": "Exempt", "zh": "可免缴"},
    "checklist_must_join": {"en": "Must join", "zh": "须参加"},
    "checklist_list_separator": {"en": ", ", "zh": "、"},
    "checklist_notes": {"en": "Notes", "zh": "说明"},
    "checklist_disclaimer": {
        "en": "This checklist is for guidance only and does not replace the decision of the office.",
        "zh": "本清单仅供参考，不能代替办理部门的决定。",
    },
})


# --- the merged application: drafts, cases, status, watchlist (backend/services/cases.py,
# drafts.py, status.py, watchlist.py; docs/application.md). Field-level messages of the form
# itself come from knowledge/application/messages.yml.
MESSAGES.update({
    "no_draft": {
        "en": "There is no saved application for this conversation.",
        "zh": "此会话没有已保存的申请。",
    },
    "consent_required": {
        "en": "Personal data can only be saved after the applicant has agreed to the consent text.",
        "zh": "申请人同意个人信息授权书后，才能保存个人信息。",
    },
    "consent_invalid": {
        "en": "The consent must be an object with \"given\" set to true or false and the \"version\" agreed to.",
        "zh": "授权信息须为一个对象，其中 \"given\" 为 true 或 false，并附上所同意的 \"version\"。",
    },
    "consent_version_mismatch": {
        "en": "The consent text has changed (the current version is {version}). Show the current text and ask again.",
        "zh": "授权书内容已更新（当前版本为 {version}），请展示最新内容后重新征求同意。",
    },
    "draft_invalid": {
        "en": "Nothing was saved: some of the information is not valid. Each field below says what is needed.",
        "zh": "未保存任何内容：部分信息无效，请按下列各项的说明更正。",
    },
    "case_invalid": {
        "en": "The application was not submitted: some of the information is missing or not valid. "
        "Each field below says what is needed.",
        "zh": "申请未提交：部分信息缺失或无效，请按下列各项的说明补充或更正。",
    },
    "unknown_field": {
        "en": "This field is not known. Check its name against the API description.",
        "zh": "未知字段，请对照接口说明检查字段名。",
    },
    "field_not_needed": {
        "en": "The chosen items do not need this field, so it is not accepted.",
        "zh": "所选事项不需要此项信息，因此不予接收。",
    },
    "value_too_long": {
        "en": "This answer is too long: at most {max} characters are accepted.",
        "zh": "此项回答太长：最多接受 {max} 个字符。",
    },
    "answers_type": {
        "en": "The answers must be a JSON object of field names and values.",
        "zh": "回答必须是由字段名和值组成的 JSON 对象。",
    },
    "answers_too_many": {
        "en": "At most {max} answers can be sent at once.",
        "zh": "一次最多可提交 {max} 项回答。",
    },
    "items_type": {
        "en": "The items must be a list of item names, for example [\"work_permit_new\"].",
        "zh": "办理事项须为事项名称列表，例如 [\"work_permit_new\"]。",
    },
    "applicant_role_invalid": {
        "en": "The role must be \"worker\" (the applicant) or \"hr\" (the employer's HR person).",
        "zh": "角色须为 \"worker\"（申请人本人）或 \"hr\"（用人单位人事）。",
    },
    "channel_invalid": {
        "en": "The channel must be 1 to 64 letters, digits, dots, hyphens or underscores.",
        "zh": "渠道名须为 1 到 64 个字母、数字、点、连字符或下划线。",
    },
    "conversation_id_invalid": {
        "en": "The conversation id must be 1 to 128 letters, digits or the characters . _ - : @ + =.",
        "zh": "会话编号须为 1 到 128 个字母、数字或 . _ - : @ + = 字符。",
    },
    "draft_state_invalid": {
        "en": "The dialogue state must be a JSON object.",
        "zh": "对话状态必须是一个 JSON 对象。",
    },
    "draft_state_too_large": {
        "en": "The dialogue state is too large: at most {max} characters as JSON.",
        "zh": "对话状态过大：JSON 最多 {max} 个字符。",
    },
    "draft_state_personal": {
        "en": "The dialogue state must not contain personal data such as a passport number; "
        "send it as an answer instead.",
        "zh": "对话状态中不得包含护照号码等个人信息，请作为回答提交。",
    },
    "case_not_found": {"en": "There is no case with this number.", "zh": "没有此编号的办件。"},
    "case_item_not_found": {
        "en": "This case has no such item.",
        "zh": "此办件中没有该事项。",
    },
    "case_number_invalid": {
        "en": "A case number looks like FJ2026000123: letters for the region, the year and six digits.",
        "zh": "办件编号形如 FJ2026000123：地区字母、年份和六位数字。",
    },
    "case_state_invalid": {
        "en": "The state must be one of: received, under_review, supplement_requested, approved, rejected, "
        "completed.",
        "zh": "状态须为以下之一：received、under_review、supplement_requested、approved、rejected、completed。",
    },
    "case_transition_invalid": {
        "en": "An item that is \"{current}\" cannot become \"{wanted}\".",
        "zh": "处于“{current}”状态的事项不能改为“{wanted}”。",
    },
    "note_invalid": {"en": "The note must be text.", "zh": "备注必须是文本。"},
    "note_too_long": {
        "en": "The note is too long: at most {max} characters.",
        "zh": "备注太长：最多 {max} 个字符。",
    },
    "note_required": {
        "en": "Write a note for the applicant: what to supplement, or why the item is rejected.",
        "zh": "请为申请人填写备注：需要补充什么材料，或不予批准的原因。",
    },
    "joint_review_pending": {
        "en": "This case is held for a joint review. Its items can change only after the joint review is released.",
        "zh": "此办件正在联合审查中，解除联合审查后其事项才能变更状态。",
    },
    "joint_review_not_pending": {
        "en": "This case is not held for a joint review.",
        "zh": "此办件未处于联合审查中。",
    },
    "verification_required": {
        "en": "To see this case, give the last four characters of the passport number used in the application.",
        "zh": "如需查看此办件，请提供申请时所用护照号码的最后四位。",
    },
    "verification_failed": {
        "en": "The case number and the passport characters do not match. Attempts left: {attempts_left}.",
        "zh": "办件编号与护照号码后四位不匹配。剩余尝试次数：{attempts_left}。",
    },
    "status_locked": {
        "en": "Too many wrong answers for this case number. Please try again in {minutes} minutes.",
        "zh": "此办件编号的错误次数过多，请在 {minutes} 分钟后重试。",
    },
    "passport_last4_invalid": {
        "en": "Give exactly the last four letters or digits of the passport number.",
        "zh": "请准确提供护照号码的最后四位字母或数字。",
    },
    "status_request_invalid": {
        "en": "The request is not valid. Each field below says what is needed.",
        "zh": "请求无效，请按下列各项的说明更正。",
    },
    "watchlist_passport_invalid": {
        "en": "A passport number has 5 to 20 letters or digits.",
        "zh": "护照号码须为 5 到 20 位字母或数字。",
    },
    "watchlist_reason_too_long": {
        "en": "The reason is too long: at most {max} characters.",
        "zh": "原因太长：最多 {max} 个字符。",
    },
    "watchlist_duplicate": {
        "en": "This passport number is already on the list.",
        "zh": "该护照号码已在名单中。",
    },
    "watchlist_not_found": {
        "en": "This entry is no longer on the list.",
        "zh": "该条目已不在名单中。",
    },
    "user_not_found": {
        "en": "There is no staff account \"{username}\".",
        "zh": "没有工作人员账号“{username}”。",
    },
    "department_invalid": {
        "en": "There is no department \"{department}\". Use one of: {choices}.",
        "zh": "没有部门“{department}”。请使用以下之一：{choices}。",
    },
    # states and the first next step of a case view
    "case_state_submitted": {"en": "Submitted", "zh": "已提交"},
    "case_state_joint_review": {"en": "Joint review", "zh": "联合审查"},
    "case_state_in_progress": {"en": "In progress", "zh": "办理中"},
    "case_state_completed": {"en": "Completed", "zh": "已办结"},
    "case_state_rejected": {"en": "Rejected", "zh": "不予批准"},
    "case_item_state_received": {"en": "Received", "zh": "已接收"},
    "case_item_state_under_review": {"en": "Under review", "zh": "审查中"},
    "case_item_state_supplement_requested": {"en": "Supplement requested", "zh": "需补充材料"},
    "case_item_state_approved": {"en": "Approved", "zh": "已批准"},
    "case_item_state_rejected": {"en": "Rejected", "zh": "不予批准"},
    "case_item_state_completed": {"en": "Completed", "zh": "已办结"},
    "case_next_review": {
        "en": "Each department now reviews its part of your application; you will be told here as soon as "
        "anything changes.",
        "zh": "各部门将分别审查您申请中各自负责的部分；一有进展，我们会在这里通知您。",
    },
    "case_next_joint": {
        "en": "This case matches the abnormal-information list: it is held for a joint review by all "
        "departments and is not split until an officer releases it.",
        "zh": "此办件与异常信息名单匹配：由各部门联合审查，经工作人员解除后才会分送各部门。",
    },
})

# --- case consoles (/console/cases, /console/watchlist, /console/audit) and /status ---
MESSAGES.update({
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
})
