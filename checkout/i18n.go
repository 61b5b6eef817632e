package checkout

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"paygate"
	"paygate/wire"
)

// messages holds every text of the pages in each language they speak.
var messages = map[string]map[string]string{
	"en": {
		"lang": "en", "other": "zh", "otherName": "中文",
		"title": "Checkout", "payTo": "Pay", "order": "Order", "total": "Total", "qty": "Qty",
		"method": "Payment method", "card": "Card",
		"cardNo": "Card number", "expiry": "Expiry (MM / YYYY)", "month": "MM", "year": "YYYY", "cvc": "Security code (CVC)",
		"holder": "Name on card", "pay": "Pay", "processing": "Your payment is being processed. Refresh this page in a moment.",
		"paid": "Payment successful", "authorized": "Payment authorized", "failed": "Payment failed",
		"expired": "This checkout has expired. No payment can be made.", "cancelled": "This payment was cancelled.",
		"back": "Return to the merchant", "notFound": "This checkout does not exist.",
		"badCardNo": "Check the card number.", "badExpiry": "Check the expiry date.", "expiredCard": "This card has expired.",
		"badCvc": "Check the security code.", "badHolder": "The name is too long.", "csrf": "Your session on this page expired; please try again.",
		"card_declined": "Your card was declined. Try another card.", "insufficient_funds": "Your card has insufficient funds. Try another card.",
		"incorrect_cvc": "The security code is incorrect.", "expired_card": "Your card has expired. Try another card.",
		"processing_error": "An error occurred while processing your card. Please try again.",
		"fraud_suspected":  "This payment was blocked. Try another card.", "authentication_failed": "Card authentication failed.",
		"declined": "Your card was declined.", "tryAgain": "You can try again.",
		"acsTitle": "Verify your payment", "acsIntro": "Your bank asks you to confirm this payment.", "merchant": "Merchant",
		"amount": "Amount", "codeLabel": "One-time code", "sandboxCode": "Sandbox: the code is", "submit": "Submit",
		"fail": "Fail authentication", "wrongCode": "The code is wrong. You have %d tries left.",
		"wrongCodeLast": "The code is wrong. You have one try left.",
		"testMode":      "Test mode",
		"testCards": "Test mode: no real money moves. Cards: 4242 4242 4242 4242 is approved, 4000 0000 0000 0002 declined, " +
			"4000 0000 0000 3220 asks for 3-D Secure; any future expiry date, any 3-digit CVC.",
	},
	"zh": {
		"lang": "zh-CN", "other": "en", "otherName": "English",
		"title": "收银台", "payTo": "付款给", "order": "订单", "total": "合计", "qty": "数量",
		"method": "支付方式", "card": "银行卡",
		"cardNo": "卡号", "expiry": "有效期（月 / 年）", "month": "月", "year": "年", "cvc": "安全码（CVC）",
		"holder": "持卡人姓名", "pay": "支付", "processing": "您的付款正在处理中，请稍后刷新本页。",
		"paid": "支付成功", "authorized": "支付已授权", "failed": "支付失败",
		"expired": "本次收银已过期，无法付款。", "cancelled": "该付款已取消。",
		"back": "返回商户", "notFound": "该收银页面不存在。",
		"badCardNo": "请检查卡号。", "badExpiry": "请检查有效期。", "expiredCard": "该卡已过期。",
		"badCvc": "请检查安全码。", "badHolder": "姓名过长。", "csrf": "页面已失效，请重试。",
		"card_declined": "您的卡被拒绝，请换一张卡。", "insufficient_funds": "余额不足，请换一张卡。",
		"incorrect_cvc": "安全码不正确。", "expired_card": "您的卡已过期，请换一张卡。",
		"processing_error": "处理您的卡时出错，请重试。",
		"fraud_suspected":  "该付款已被拦截，请换一张卡。", "authentication_failed": "银行卡验证失败。",
		"declined": "您的卡被拒绝。", "tryAgain": "您可以重试。",
		"acsTitle": "验证您的付款", "acsIntro": "您的银行要求您确认此笔付款。", "merchant": "商户",
		"amount": "金额", "codeLabel": "动态验证码", "sandboxCode": "沙箱环境验证码：", "submit": "提交",
		"fail": "验证失败", "wrongCode": "验证码错误，您还可以尝试 %d 次。",
		"wrongCodeLast": "验证码错误，您还可以尝试 1 次。",
		"testMode":      "测试模式",
		"testCards": "测试模式：不会产生真实扣款。测试卡：4242 4242 4242 4242 支付成功，4000 0000 0000 0002 被拒绝，" +
			"4000 0000 0000 3220 需要 3-D Secure 验证；有效期填任一未来日期，安全码填任意 3 位数字。",
	},
}

// language picks the page language: ?lang= first, then the Accept-Language
// choice with the highest quality (q=0 means "not this one"), else English.
func language(r *http.Request) string {
	if l := supported(r.FormValue("lang")); l != "" {
		return l
	}
	best, bestQ := "en", 0.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(part, ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if l := supported(tag); l != "" && q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// supported maps a language tag to a page language, or "".
func supported(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	switch {
	case tag == "zh" || strings.HasPrefix(tag, "zh-"):
		return "zh"
	case tag == "en" || strings.HasPrefix(tag, "en-"):
		return "en"
	}
	return ""
}

// languageFor is the language of a payment's page (the 3-D Secure and the
// wallet page): the one the page link asks for (?lang=), else the one the
// merchant sent in the payment's deviceInfo.language, else the browser's.
func languageFor(r *http.Request, p *paygate.Payment) string {
	if l := supported(r.FormValue("lang")); l != "" {
		return l
	}
	var d wire.DeviceInfo
	if len(p.DeviceInfo) > 0 && json.Unmarshal(p.DeviceInfo, &d) == nil {
		if l := supported(d.Language); l != "" {
			return l
		}
	}
	return language(r)
}

// Language is the language the pages speak to r: "en" or "zh" (?lang=
// first, then the browser's Accept-Language). The dashboard speaks by the
// same rule.
func Language(r *http.Request) string { return language(r) }
