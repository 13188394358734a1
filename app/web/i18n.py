"""The workbench's words in Chinese and English (the interface language is the user's choice, kept in the
session; the first visit follows the browser's ``Accept-Language``)."""

from __future__ import annotations

LANGUAGES = ("zh", "en")

MESSAGES: dict[str, dict[str, str]] = {
    "app": {"en": "wenyuan workbench", "zh": "文淵工作台"},
    "login": {"en": "Log in", "zh": "登入"},
    "logout": {"en": "Log out", "zh": "登出"},
    "user": {"en": "User name", "zh": "用戶名"},
    "password": {"en": "Password", "zh": "密碼"},
    "bad_login": {"en": "Wrong user name or password.", "zh": "用戶名或密碼錯誤。"},
    "wait": {"en": "Too many failed logins: try again in {s} s.", "zh": "登入失敗次數過多，請於 {s} 秒後再試。"},
    "books": {"en": "Books", "zh": "書目"},
    "batches": {"en": "Batches", "zh": "批次"},
    "upload": {"en": "Upload a batch", "zh": "上傳批次"},
    "audit": {"en": "Audit log", "zh": "修改記錄"},
    "title": {"en": "Title", "zh": "題名"},
    "author": {"en": "Author", "zh": "著者"},
    "dynasty": {"en": "Period of the work", "zh": "朝代"},
    "edition": {"en": "Edition", "zh": "版本"},
    "institution": {"en": "Holding institution", "zh": "收藏機構"},
    "shelfmark": {"en": "Shelfmark", "zh": "索書號"},
    "rights": {"en": "Licence", "zh": "授權"},
    "files": {
        "en": "Scans (images, zip, multi-page TIFF or PDF; a manifest may come with them)",
        "zh": "掃描檔（圖像、zip、多頁 TIFF 或 PDF，可附書目清單）",
    },
    "translate": {"en": "Translate into modern Chinese", "zh": "譯成白話"},
    "start": {"en": "Upload and digitise", "zh": "上傳並數字化"},
    "pages": {"en": "Pages", "zh": "頁數"},
    "doubtful": {"en": "doubtful", "zh": "存疑"},
    "state": {"en": "State", "zh": "狀態"},
    "running": {"en": "running", "zh": "處理中"},
    "done": {"en": "done", "zh": "完成"},
    "failed": {"en": "failed", "zh": "失敗"},
    "pages_read": {"en": "Pages read", "zh": "已讀頁"},
    "stage": {"en": "Stage", "zh": "階段"},
    "quarantined": {"en": "Set aside (not read)", "zh": "隔離（未處理）"},
    "refused": {"en": "Refused at upload", "zh": "上傳時拒收"},
    "open_book": {"en": "Open the book", "zh": "打開此書"},
    "download_tei": {"en": "Download TEI", "zh": "下載 TEI"},
    "delete": {"en": "Delete", "zh": "刪除"},
    "confirm_delete": {"en": "Delete this book and its files?", "zh": "確定刪除此書及其檔案？"},
    "transcription": {"en": "Transcription", "zh": "錄文"},
    "commentary": {"en": "commentary", "zh": "夾注"},
    "marginalia": {"en": "margin", "zh": "版心／邊欄"},
    "sentences": {"en": "Punctuation and translation", "zh": "標點與譯文"},
    "save": {"en": "Save", "zh": "保存"},
    "saved": {"en": "Saved (version {v}).", "zh": "已保存（第 {v} 版）。"},
    "conflict": {
        "en": "Someone saved this page since you opened it. Their version and yours are below; your "
        "edits are kept in this page.",
        "zh": "您打開此頁後已有他人保存。下列為對方與您的版本；您的修改仍保留在頁面中。",
    },
    "theirs": {"en": "Saved version", "zh": "已保存的版本"},
    "yours": {"en": "Your version", "zh": "您的版本"},
    "reload": {
        "en": "Open the saved version (your edits come back on top of it)",
        "zh": "打開已保存的版本（您的修改會重新套用）",
    },
    "restored": {
        "en": "Your unsaved edits are back on this page; save them, or ",
        "zh": "未保存的修改已恢復；請保存，或",
    },
    "discard": {"en": "discard them", "zh": "放棄修改"},
    "alternatives": {"en": "Readings", "zh": "候選字"},
    "type_char": {"en": "Another character", "zh": "另輸入一字"},
    "machine": {"en": "machine reading", "zh": "機器識讀"},
    "keys": {
        "en": "Keys: n / p next or previous doubtful character, 1–5 take a reading, Enter type one, Ctrl+S save.",
        "zh": "快捷鍵：n／p 下一個或上一個存疑字，1–5 選候選字，Enter 輸入，Ctrl+S 保存。",
    },
    "prev_page": {"en": "Previous page", "zh": "上一頁"},
    "next_page": {"en": "Next page", "zh": "下一頁"},
    "zoom_in": {"en": "Zoom in", "zh": "放大"},
    "zoom_out": {"en": "Zoom out", "zh": "縮小"},
    "when": {"en": "When", "zh": "時間"},
    "kind": {"en": "What", "zh": "類別"},
    "where": {"en": "Where", "zh": "位置"},
    "before": {"en": "Before", "zh": "原"},
    "after": {"en": "After", "zh": "改"},
    "forbidden": {"en": "Admins only.", "zh": "僅管理員可用。"},
    "not_found": {"en": "Not found.", "zh": "找不到。"},
    "too_large": {"en": "The upload is larger than {mb} MB.", "zh": "上傳超過 {mb} MB。"},
    "no_files": {"en": "No usable file in the upload.", "zh": "上傳中沒有可用的檔案。"},
    "need_title": {"en": "Give the book a title.", "zh": "請填寫題名。"},
}


def translate(key: str, lang: str, **values: object) -> str:
    text = MESSAGES.get(key, {}).get(lang) or MESSAGES.get(key, {}).get("en") or key
    return text.format(**values) if values else text


def preferred_language(accept_language: str | None) -> str:
    """``zh`` when the browser prefers any Chinese, else ``en``."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh"
        if tag.startswith("en"):
            return "en"
    return "en"
