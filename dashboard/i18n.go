package dashboard

import (
	"html/template"
	"strconv"
	"strings"
	"time"

	"paygate"
	"paygate/gateway"
	"paygate/wire"
)

// messages holds every text of the dashboard in each language it speaks.
var messages = map[string]map[string]string{
	"en": {
		"lang": "en", "other": "zh", "otherName": "中文", "brand": "paygate dashboard",
		"notFoundTitle": "Not found", "notFound": "This page does not exist, or it is not yours to see.",
		"errorTitle": "Something went wrong", "fault": "Something went wrong on our side. Try again in a moment.",
		"csrf":   "This form expired. Load the page again and retry.",
		"signIn": "Sign in", "signOut": "Sign out", "email": "Email", "password": "Password",
		"bad_email": "Enter an email address such as ana@example.com.", "bad_password": "The password must be 12 to 256 characters.",
		"wrongPassword": "The email or password is wrong.", "locked": "Too many wrong passwords. Try again in {s} seconds.",
		"passwordSet": "Your password is set. Sign in with it.",
		"setupTitle":  "Set your password", "linkGone": "This link is unknown, used or expired. Ask an admin for a new one.",
		"confirmPassword": "Password again", "mismatch": "The two passwords differ.", "setPassword": "Set password",
		"passwordHint": "12 to 256 characters. A phrase of several words is good.",
		"payments":     "Payments", "payment": "Payment", "audit": "Audit log", "merchant": "Merchant",
		"search": "Search", "searchHint": "tradeNo, orderNo or card last 4", "status": "Status", "method": "Method", "connector": "Connector",
		"currency": "Currency", "from": "Created from", "to": "Created to", "any": "Any", "filter": "Filter",
		"created": "Created", "tradeNo": "tradeNo", "orderNo": "orderNo", "amount": "Amount", "card": "Card",
		"next": "Next page", "first": "First page", "export": "Export CSV", "noPayments": "No payments match.",
		"captured": "Captured", "refunded": "Refunded", "description": "Description", "failure": "Failure",
		"brand_": "Brand", "bin": "BIN", "last4": "Last 4", "wallet": "Wallet", "threeDS": "3-D Secure",
		"eci": "ECI", "result": "Result", "liability": "Liability shift", "version": "Version", "mode": "Mode",
		"risk": "Risk", "decision": "Decision", "score": "Score", "reasons": "Reasons", "yes": "yes", "no": "no",
		"timeline": "Timeline", "time": "Time", "change": "Change", "source": "Source", "object": "Object",
		"refunds": "Refunds", "reason": "Reason", "trackers": "Shipment tracking", "carrier": "Carrier",
		"trackingNo": "Tracking number", "notifications": "Notifications", "event": "Event", "attempts": "Attempts",
		"answer": "Answer", "latency": "Latency", "noAnswer": "no answer", "none": "None.",
		"actions": "Actions", "capture": "Capture", "cancel": "Cancel", "refund": "Refund", "resend": "Resend",
		"captureHint": "Capture all or part of the authorized amount.", "cancelHint": "Release the authorization; nothing is charged.",
		"refundHint":      "Up to {amount} can be refunded.",
		"confirm_capture": "Capture this payment?", "confirm_cancel": "Cancel this payment?",
		"confirm_refund": "Refund this payment?", "confirm_resend": "Send this notification again?",
		"confirm": "Confirm", "back": "Back",
		"done_capture": "The payment was captured.", "done_cancel": "The payment was cancelled.",
		"done_refund":            "The refund was made.",
		"done_refund_refused":    "The acquirer refused the refund; nothing was returned. See Refunds below.",
		"done_refund_repeat":     "This form was sent before: the refund it made stands, and nothing more was refunded.",
		"done_refund_processing": "The refund is sent; the acquirer has not answered yet. It is retried until it does.",
		"done_capture_refused":   "The acquirer refused the capture. See the timeline below.",
		"done_cancel_refused":    "The acquirer refused the cancellation. See the timeline below.", "done_resend": "The notification is queued to be sent again.",
		"staleForm": "This form is out of date. Try again from the payment's page.",
		"who":       "Who", "what": "What", "when": "When", "ip": "Address", "outcome": "Outcome", "older": "Older entries",
		"src_api": "API request", "src_sweep": "Expiry sweep", "src_dashboard": "Dashboard",
		"role_admin": "admin", "role_developer": "developer", "role_viewer": "viewer", "role_operator": "operator",
		"skip": "Skip to content", "menu": "Main menu",
		"overview": "Overview", "overviewHint": "Today and the last {days} days, UTC. Volume is the approved amount.",
		"volume": "Volume", "count": "Payments", "approval": "Approval rate", "today": "Today", "last30": "Last 30 days",
		"chartDesc": "Approved volume and refunds per day, last 30 days", "noActivity": "No payments in the last 30 days.",
		"failures":  "Failure codes that cost the most (30 days)",
		"merchants": "Merchants", "searchAll": "Search all merchants", "searchAllHint": "tradeNo or orderNo",
		"newMerchant": "New merchant's name", "create": "Create", "merchantCreated": "The merchant was created.",
		"newCredentials": "The new merchant's credentials", "shownOnce": "Copy them now: the secrets are not shown again.",
		"disabled": "disabled", "enabled": "enabled", "disable": "Disable", "enable": "Enable",
		"confirm_disable": "Disable this merchant? Its access tokens stop working and its people cannot sign in.",
		"confirm_enable":  "Enable this merchant again?",
		"riskTitle":       "Risk", "fingerprint": "Fingerprint", "riskHint": "Card payments with fraudMode Y (or all of them, below) are judged before the acquirer: lists decline, rules approve, review or decline.",
		"riskSettings": "Settings", "screenAll": "Judge every card payment, whatever its fraudMode", "save": "Save",
		"riskLists": "Block lists", "addTo": "Add to", "note": "Note", "value": "Value", "list": "List",
		"riskRules": "Rules", "ruleName": "Name", "expression": "Expression (CEL)", "ruleAction": "Action", "rule": "Rule",
		"confirm_unlist": "Take this value off the list?", "confirm_delete_rule": "Delete this rule?",
		"developers": "Developers", "apiKeys": "API keys", "newSecret": "The new secret",
		"oldUntil": "The old one works until", "prevSecretUntil": "The previous API secret works until",
		"prevNotifyUntil": "Notifications also carry the previous secret's signature until",
		"rotate_secret":   "Rotate the API secret", "rotate_notify": "Rotate the notification secret", "grace": "Grace",
		"graceHint":             "How long the old secret keeps working (0s: it stops at once).",
		"confirm_rotate_secret": "Rotate the API secret?", "confirm_rotate_notify": "Rotate the notification secret?",
		"rotated": "The secret was rotated.", "subscriptions": "Webhook subscriptions", "subscription": "Subscription",
		"subscribeUrl": "Send every notification also to (https URL)", "add": "Add", "delete": "Delete",
		"subscribed": "The subscription was added. Its signing secret is below.", "confirm_unsubscribe": "Delete this subscription?",
		"deliveries": "Recent deliveries", "testCards": "Sandbox test cards",
		"testCardsHint": "Any future expiry date and any 3-digit CVC. Any other valid card number is approved.",
		"tc_approved":   "approved", "tc_challenge": "asks for a 3-D Secure challenge", "tc_frictionless": "3-D Secure without a challenge",
		"tc_disputed": "approved, then disputed as it is captured",
		"moneyTitle":  "Money", "moneyHint": "What you are owed: captured and not yet settled (pending), settled and not yet paid out (available). Each day's captures, refunds and disputes close into a settlement batch per currency at your cut-off.",
		"balance": "Balance", "pending": "Pending", "available": "Available", "settlements": "Settlement batches",
		"cutoff": "Cut-off", "gross": "Gross", "disputed": "Disputed", "fees": "Fees", "net": "Net",
		"disputes": "Disputes", "evidenceDue": "Evidence due by",
	},
	"zh": {
		"lang": "zh-CN", "other": "en", "otherName": "English", "brand": "paygate 管理后台",
		"notFoundTitle": "未找到", "notFound": "此页面不存在，或您无权查看。",
		"errorTitle": "出错了", "fault": "我们这边出了问题，请稍后重试。",
		"csrf":   "此表单已失效，请刷新页面后重试。",
		"signIn": "登录", "signOut": "退出登录", "email": "邮箱", "password": "密码",
		"bad_email": "请输入邮箱地址，例如 ana@example.com。", "bad_password": "密码须为 12 到 256 个字符。",
		"wrongPassword": "邮箱或密码错误。", "locked": "密码错误次数过多，请 {s} 秒后重试。",
		"passwordSet": "密码已设置，请用新密码登录。",
		"setupTitle":  "设置密码", "linkGone": "此链接无效、已使用或已过期，请联系管理员获取新链接。",
		"confirmPassword": "再次输入密码", "mismatch": "两次输入的密码不一致。", "setPassword": "设置密码",
		"passwordHint": "12 到 256 个字符，建议使用由多个单词组成的短语。",
		"payments":     "支付", "payment": "支付", "audit": "审计日志", "merchant": "商户",
		"search": "搜索", "searchHint": "tradeNo、orderNo 或卡号后四位", "status": "状态", "method": "支付方式", "connector": "支付通道",
		"currency": "币种", "from": "创建起始", "to": "创建截止", "any": "全部", "filter": "筛选",
		"created": "创建时间", "tradeNo": "tradeNo", "orderNo": "orderNo", "amount": "金额", "card": "银行卡",
		"next": "下一页", "first": "第一页", "export": "导出 CSV", "noPayments": "没有符合条件的支付。",
		"captured": "已请款", "refunded": "已退款", "description": "描述", "failure": "失败原因",
		"brand_": "卡组织", "bin": "BIN", "last4": "后四位", "wallet": "钱包", "threeDS": "3-D Secure",
		"eci": "ECI", "result": "结果", "liability": "责任转移", "version": "版本", "mode": "模式",
		"risk": "风控", "decision": "决定", "score": "分数", "reasons": "原因", "yes": "是", "no": "否",
		"timeline": "时间线", "time": "时间", "change": "变化", "source": "来源", "object": "对象",
		"refunds": "退款", "reason": "原因", "trackers": "物流跟踪", "carrier": "承运商",
		"trackingNo": "运单号", "notifications": "通知", "event": "事件", "attempts": "投递尝试",
		"answer": "响应", "latency": "耗时", "noAnswer": "无响应", "none": "无。",
		"actions": "操作", "capture": "请款", "cancel": "撤销", "refund": "退款", "resend": "重新发送",
		"captureHint": "请款全部或部分已授权金额。", "cancelHint": "释放授权，不会扣款。",
		"refundHint":      "最多可退 {amount}。",
		"confirm_capture": "确认请款？", "confirm_cancel": "确认撤销该支付？",
		"confirm_refund": "确认退款？", "confirm_resend": "确认重新发送该通知？",
		"confirm": "确认", "back": "返回",
		"done_capture": "已请款。", "done_cancel": "支付已撤销。",
		"done_refund":            "退款已完成。",
		"done_refund_refused":    "收单机构拒绝了退款，未退回任何金额。详见下方退款记录。",
		"done_refund_repeat":     "此表单已提交过：之前的退款有效，未重复退款。",
		"done_refund_processing": "退款已提交，收单机构尚未答复，系统会持续重试。",
		"done_capture_refused":   "收单机构拒绝了请款，详见下方时间线。",
		"done_cancel_refused":    "收单机构拒绝了撤销，详见下方时间线。", "done_resend": "通知已排队重新发送。",
		"staleForm": "此表单已过期，请从支付详情页重试。",
		"who":       "操作人", "what": "操作", "when": "时间", "ip": "地址", "outcome": "结果", "older": "更早的记录",
		"src_api": "API 请求", "src_sweep": "过期清理", "src_dashboard": "管理后台",
		"role_admin": "管理员", "role_developer": "开发者", "role_viewer": "只读", "role_operator": "运营",
		"skip": "跳到正文", "menu": "主菜单",
		"overview": "概览", "overviewHint": "今天及最近 {days} 天（UTC）。交易额为已批准金额。",
		"volume": "交易额", "count": "笔数", "approval": "批准率", "today": "今天", "last30": "最近 30 天",
		"chartDesc": "最近 30 天每日批准交易额与退款", "noActivity": "最近 30 天没有支付。",
		"failures":  "损失最大的失败原因（30 天）",
		"merchants": "商户", "searchAll": "搜索全部商户", "searchAllHint": "tradeNo 或 orderNo",
		"newMerchant": "新商户名称", "create": "创建", "merchantCreated": "商户已创建。",
		"newCredentials": "新商户的凭证", "shownOnce": "请立即复制：密钥不会再次显示。",
		"disabled": "已停用", "enabled": "已启用", "disable": "停用", "enable": "启用",
		"confirm_disable": "停用该商户？其访问令牌将失效，其用户无法登录。",
		"confirm_enable":  "重新启用该商户？",
		"riskTitle":       "风控", "fingerprint": "卡指纹", "riskHint": "fraudMode 为 Y 的银行卡支付（或下方设置的全部支付）在发往收单机构前接受评估：名单拒绝，规则可批准、复核或拒绝。",
		"riskSettings": "设置", "screenAll": "评估全部银行卡支付，无论 fraudMode", "save": "保存",
		"riskLists": "黑名单", "addTo": "添加到", "note": "备注", "value": "值", "list": "名单",
		"riskRules": "规则", "ruleName": "名称", "expression": "表达式（CEL）", "ruleAction": "动作", "rule": "规则",
		"confirm_unlist": "将此值移出名单？", "confirm_delete_rule": "删除此规则？",
		"developers": "开发者", "apiKeys": "API 密钥", "newSecret": "新密钥",
		"oldUntil": "旧密钥有效至", "prevSecretUntil": "上一个 API 密钥有效至",
		"prevNotifyUntil": "通知同时附带旧密钥签名，直至",
		"rotate_secret":   "轮换 API 密钥", "rotate_notify": "轮换通知密钥", "grace": "宽限期",
		"graceHint":             "旧密钥继续有效的时长（0s：立即失效）。",
		"confirm_rotate_secret": "确认轮换 API 密钥？", "confirm_rotate_notify": "确认轮换通知密钥？",
		"rotated": "密钥已轮换。", "subscriptions": "Webhook 订阅", "subscription": "订阅",
		"subscribeUrl": "将所有通知同时发送到（https 地址）", "add": "添加", "delete": "删除",
		"subscribed": "订阅已添加，签名密钥如下。", "confirm_unsubscribe": "确认删除该订阅？",
		"deliveries": "最近投递", "testCards": "沙箱测试卡",
		"testCardsHint": "有效期填任一未来日期，安全码填任意 3 位数字。其他有效卡号均会成功。",
		"tc_approved":   "成功", "tc_challenge": "需要 3-D Secure 验证", "tc_frictionless": "3-D Secure 免验证",
		"tc_disputed": "成功，请款后即被发起争议（拒付）",
		"moneyTitle":  "资金", "moneyHint": "应付给您的款项：已请款未结算（待结算），已结算未打款（可提现）。每天的请款、退款和争议在您的截止时间按币种汇总为结算批次。",
		"balance": "余额", "pending": "待结算", "available": "可提现", "settlements": "结算批次",
		"cutoff": "截止时间", "gross": "总额", "disputed": "争议", "fees": "手续费", "net": "净额",
		"disputes": "争议", "evidenceDue": "举证截止",
	},
}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"money": func(m paygate.Money) string { return m.String() + " " + m.Currency },
	// signed writes an amount that may be negative.
	"signed": func(m paygate.Money) string { return wire.Signed(m.Minor, m.Currency) + " " + m.Currency },
	"when":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + " UTC" },
	// source names where a status change came from: the API (its request
	// id), the dashboard (who), or the sweep.
	"source": func(t map[string]string, reqID string) string {
		switch {
		case reqID == "sweep":
			return t["src_sweep"]
		case strings.HasPrefix(reqID, "dashboard:"):
			return t["src_dashboard"] + " (" + strings.TrimPrefix(reqID, "dashboard:") + ")"
		case reqID == "":
			return ""
		}
		return t["src_api"] + " " + reqID
	},
	"minor": func(minor int64, currency string) string { // may be negative
		return wire.Signed(minor, currency) + " " + currency
	},
	"add":  func(a, b int) int { return a + b },
	"list": func(s ...string) []string { return s },
	"ternary": func(c bool, a, b string) string {
		if c {
			return a
		}
		return b
	},
	"rate": func(t gateway.Totals) string {
		if r, ok := t.ApprovalRate(); ok {
			return strconv.Itoa(r) + "%"
		}
		return "–"
	},
	"fill": func(s, key, value string) string { return strings.ReplaceAll(s, "{"+key+"}", value) },
	// dict makes the map a shared template takes: dict "V" $v "F" "email".
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}
