// Chinese by default, English switchable: one small dictionary, key → [zh, en].

const WORDS = {
  app: ["12345 政务服务便民热线", "12345 Citizen Hotline"],
  login: ["登录", "Sign in"], logout: ["退出", "Sign out"], username: ["用户名", "Username"],
  password: ["密码", "Password"], login_failed: ["用户名或密码错误", "Wrong username or password"],
  lang: ["English", "中文"],
  // menus
  m_screen: ["大屏", "Big screen"], m_analysis: ["分析", "Analysis"], m_orders: ["工单", "Orders"],
  m_intake: ["受理台", "Intake"], m_dispatch: ["派单台", "Dispatch"], m_department: ["承办台", "Department"],
  m_supervise: ["督办台", "Supervision"], m_track: ["诉求查询", "Track"],
  // roles
  r_call_taker: ["话务员", "Call-taker"], r_dispatcher: ["派单员", "Dispatcher"], r_handler: ["承办人", "Handler"],
  r_supervisor: ["督办员", "Supervisor"], r_analyst: ["分析员", "Analyst"], r_admin: ["管理员", "Admin"],
  // statuses
  s_registered: ["已受理", "Registered"], s_dispatched: ["已派单", "Dispatched"], s_in_progress: ["办理中", "In progress"],
  s_returned: ["已退单", "Returned"], s_replied: ["已答复", "Replied"], s_closed: ["已办结", "Closed"],
  s_merged: ["已并单", "Merged"],
  // actions
  a_register: ["受理", "Register"], a_dispatch: ["派单", "Dispatch"], a_sign: ["签收", "Sign"], a_return: ["退单", "Return"],
  a_extend: ["申请延期", "Ask extension"], a_approve_extension: ["批准延期", "Approve extension"],
  a_deny_extension: ["驳回延期", "Deny extension"], a_reply: ["答复", "Reply"], a_callback: ["回访", "Callback"],
  a_close: ["办结", "Close"], a_reopen: ["重办", "Reopen"], a_supervise: ["督办", "Supervise"], a_merge: ["并单", "Merge"],
  a_opinion: ["协办意见", "Co-department opinion"], opinion: ["协办意见", "Opinion"], co_department: ["协办单位", "Co-department"],
  // channels, types, urgency
  c_phone: ["电话", "Phone"], c_web: ["网站", "Web"], c_app: ["App", "App"], c_wechat: ["微信", "WeChat"],
  c_grid: ["网格", "Grid"], c_open311: ["Open311", "Open311"], c_email: ["邮件", "Email"],
  t_consult: ["咨询", "Consult"], t_help: ["求助", "Help"], t_complaint: ["投诉", "Complaint"], t_report: ["举报", "Report"],
  t_suggestion: ["建议", "Suggestion"], t_praise: ["表扬", "Praise"],
  u_normal: ["一般", "Normal"], u_urgent: ["紧急", "Urgent"], u_critical: ["特急", "Critical"],
  sat_satisfied: ["满意", "Satisfied"], sat_basic: ["基本满意", "Basically satisfied"], sat_dissatisfied: ["不满意", "Dissatisfied"],
  // fields
  number: ["工单号", "Number"], status: ["状态", "Status"], channel: ["渠道", "Channel"], request_type: ["诉求类型", "Type"],
  urgency: ["紧急程度", "Urgency"], content: ["诉求内容", "Content"], summary: ["摘要", "Summary"],
  citizen_name: ["来电人", "Citizen"], citizen_phone: ["联系电话", "Phone"], address: ["地址", "Address"],
  district: ["区县", "District"], street: ["街道/乡镇", "Street"], community: ["社区/村", "Community"],
  category: ["诉求分类", "Category"], department: ["承办单位", "Department"], co_departments: ["协办单位", "Co-departments"],
  created_at: ["受理时间", "Registered"], sign_due_at: ["签收时限", "Sign by"], finish_due_at: ["办结时限", "Finish by"],
  reply: ["答复内容", "Reply"], reason: ["原因", "Reason"], days: ["延期天数", "Days"], note: ["督办意见", "Note"],
  satisfaction: ["满意度", "Satisfaction"], resolved: ["是否解决", "Resolved"], into: ["并入工单", "Merge into"],
  return_reason: ["退单原因", "Return reason"], group_by: ["分组", "Group by"],
  created_from: ["开始日期", "From"], created_to: ["结束日期", "To"], yes: ["是", "Yes"], no: ["否", "No"],
  any: ["全部", "All"], none: ["无", "None"], overdue: ["已超期", "Overdue"], left: ["剩余", "left"],
  over_by: ["超期", "over by"], timeline: ["处理过程", "Timeline"], actor: ["操作人", "By"], at: ["时间", "Time"],
  action: ["操作", "Action"], details: ["工单详情", "Order details"], total: ["合计", "Total"],
  // common
  search: ["查询", "Search"], submit: ["提交", "Submit"], cancel: ["取消", "Cancel"], open: ["打开", "Open"],
  export: ["导出Excel", "Export to Excel"], show_all: ["显示全部", "Show all"], loading: ["加载中…", "Loading…"], empty: ["暂无数据", "No data"],
  not_available: ["该功能暂未开通", "Not available yet"],
  not_available_hint: ["接口尚未启用（404），上线后此处自动显示。", "The endpoint is not there yet (404); this panel fills in once it is."],
  saved: ["已保存", "Saved"], failed: ["操作失败", "Failed"], refresh: ["刷新", "Refresh"],
  apply: ["采用", "Use"], orders_behind: ["查看工单", "Show orders"],
  // intake
  new_order: ["新建工单", "New order"], register_order: ["受理 (Ctrl+Enter)", "Register (Ctrl+Enter)"],
  suggestions: ["智能建议", "Suggestions"], similar_open: ["相似未办结工单（可能重复）", "Similar open orders (possible duplicates)"],
  kb_articles: ["知识库", "Knowledge base"], kb_article: ["知识库文章", "Knowledge-base article"], close_with_article: ["按此答复直接办结", "Close with this answer"],
  registered_as: ["已受理，工单号", "Registered as"], closed_directly: ["已直接办结", "Closed directly"],
  keyboard_hint: ["Tab 切换 · Ctrl+Enter 受理 · Alt+1/2/3 采用建议", "Tab to move · Ctrl+Enter register · Alt+1/2/3 use a suggestion"],
  recent_mine: ["最近受理", "Recently registered"], callbacks_to_make: ["待回访", "Callbacks to make"],
  // dispatch / department / supervise
  queue: ["待派工单", "Queue"], new_orders: ["新工单", "New"], returned_orders: ["退回工单", "Returned"],
  extension_requests: ["延期申请", "Extension requests"], inbox: ["待办工单", "Inbox"],
  to_sign: ["待签收", "To sign"], in_hand: ["办理中", "In hand"], near_deadline: ["临近超期", "Near deadline"],
  co_handling: ["协办工单", "Co-handling"], co_mark: ["协办", "Co"],
  overdue_orders: ["超期工单", "Overdue"], supervised: ["督办记录", "Supervision notices"],
  to_close: ["待办结", "To close"], recently_closed: ["近期办结（可重办）", "Recently closed (reopen)"],
  alerts: ["预警", "Alerts"], incidents: ["事件（同类诉求）", "Incidents (similar requests)"],
  incident_orders: ["件工单", "orders"], incident_dispatch: ["全部派单", "Dispatch all"], incident_close: ["全部办结", "Close all"],
  incident_done: ["已批量处理", "Done together"], incident_reply_hint: ["统一答复内容", "One answer for all"],
  incident_unread: ["未能读取的工单（不在批量处理之内）", "Orders that could not be read (left out)"], select_order: ["请选择左侧工单", "Pick an order on the left"],
  // screen
  today_intake: ["今日受理", "Today's requests"], today_calls: ["今日来电", "Today's calls"],
  vs_yesterday: ["较昨日同时", "vs yesterday"], vs_last_week: ["较上周同日", "vs last week"],
  answer_rate: ["接通率", "Answer rate"], open_orders: ["在办工单", "Open orders"], overdue_now: ["超期工单", "Overdue"],
  district_map: ["各区诉求密度（每万人）", "Requests per 10k residents"], top_categories: ["热点诉求", "Top categories"],
  rising_categories: ["上升诉求", "Rising categories"], department_league: ["部门办理排名", "Department league"],
  latest_alerts: ["最新预警", "Latest alerts"], ticker: ["最新工单", "New orders"], live: ["实时", "Live"],
  al_surge: ["诉求突增", "surge"], al_low_answer_rate: ["接通率偏低", "low answer rate"], al_overdue_orders: ["存在超期工单", "overdue orders"],
  al_missed_calls_waiting: ["未接来电待回拨", "missed calls to call back"],
  // analysis modules
  mod_overview: ["整体感知", "Overview"], mod_requests: ["诉求分析", "Requests"], mod_calls: ["话务分析", "Calls"],
  mod_knowledge: ["知识库分析", "Knowledge"], mod_efficiency: ["办理效能", "Efficiency"], mod_summary: ["数据汇总", "Summary"],
  // track
  track_title: ["诉求办理进度查询", "Track your request"], track_hint: ["请输入工单号和受理时登记的电话", "Enter the number and the phone you called from"],
  not_found: ["未找到匹配的诉求", "No request matches"],
};

const STORE = "hotline.lang";

/** The current language: "zh" (default) or "en". */
export function lang() {
  return localStorage.getItem(STORE) === "en" ? "en" : "zh";
}

export function setLang(value) {
  localStorage.setItem(STORE, value);
  location.reload();
}

/** The word for a key in the current language; unknown keys are shown as given. */
export function t(key) {
  const entry = WORDS[key];
  if (!entry) return key;
  return entry[lang() === "en" ? 1 : 0];
}

/** A code of a vocabulary (status, channel…) in words, e.g. label("s", "closed"). */
export function label(prefix, code) {
  if (code === null || code === undefined || code === "") return "";
  const key = `${prefix}_${code}`;
  return WORDS[key] ? t(key) : String(code);
}

/** An English-or-Chinese name of a row that has both (name, name_en). */
export function nameOf(row) {
  if (!row) return "";
  return (lang() === "en" && row.name_en) || row.name || row.code || "";
}

document.documentElement.lang = lang() === "en" ? "en" : "zh-CN";
