"""The words of the bulk import page
(both languages, the same keys in each)."""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "imp_title": "Bulk import",
        "imp_intro": "Upload a CSV file (UTF-8) or an Excel workbook (.xlsx, its first sheet), one matter per row, "
                     "the first row naming the columns. Every row is checked first: if any row has a problem, "
                     "nothing is imported and every problem is listed. A reference already open is not opened "
                     "again, so the same file may safely be uploaded twice.",
        "imp_file": "File (CSV or XLSX, at most {mb} MB, {rows} rows)",
        "imp_upload": "Check and import",
        "imp_paste": "Or paste CSV text",
        "imp_paste_help": "Works without JavaScript: paste the CSV here, the header line first.",
        "imp_import_text": "Check and import the text",
        "imp_problems": "Nothing was imported. Correct these problems and upload the file again:",
        "imp_line": "line {line}, column {column}: {reason}",
        "imp_file_problem": "the file: {reason}",
        "imp_progress": "Progress",
        "imp_total": "Rows", "imp_done": "Done", "imp_already": "of which already open", "imp_failed": "Failed",
        "imp_status": "Status", "imp_status_running": "Importing…", "imp_status_finished": "Finished",
        "imp_status_interrupted": "Interrupted",
        "imp_interrupted_help": "This import was interrupted (the server restarted). Upload the same file again: "
                                "matters already opened are not opened twice.",
        "imp_jobs": "Recent imports", "imp_file_name": "File", "imp_started": "Started",
        "imp_no_jobs": "No imports yet.",
        "imp_counts": "{done} of {total} done, {failed} failed",
        "imp_uploading": "Uploading and checking…", "imp_choose": "Choose a file first.",
        "imp_network": "The upload did not reach the server; try again.",
        "imp_failed_rows": "Rows not opened",
        "imp_to_worklist": "Open the worklist",
        "imp_new": "Import another file",
        "imp_columns": "The columns", "imp_required": "Required", "imp_optional": "Optional",
    },
    "zh-CN": {
        "imp_title": "批量导入",
        "imp_intro": "上传CSV文件（UTF-8编码）或Excel工作簿（.xlsx，读取第一个工作表），每行一件案件，首行为列名。"
                     "系统先校验全部行：任何一行有误，则整份文件均不导入，并列出全部错误。"
                     "同一编号的案件已立案的不会重复立案，因此同一文件重复上传是安全的。",
        "imp_file": "文件（CSV或XLSX，不超过{mb}MB、{rows}行）",
        "imp_upload": "校验并导入",
        "imp_paste": "或粘贴CSV文本",
        "imp_paste_help": "无需JavaScript：在此粘贴CSV内容，首行为列名。",
        "imp_import_text": "校验并导入文本",
        "imp_problems": "未导入任何案件。请更正以下错误后重新上传：",
        "imp_line": "第{line}行，{column}列：{reason}",
        "imp_file_problem": "文件：{reason}",
        "imp_progress": "导入进度",
        "imp_total": "总行数", "imp_done": "已完成", "imp_already": "其中此前已立案", "imp_failed": "失败",
        "imp_status": "状态", "imp_status_running": "正在导入…", "imp_status_finished": "已完成",
        "imp_status_interrupted": "已中断",
        "imp_interrupted_help": "本次导入已中断（服务器重启）。请重新上传同一文件：已立案的案件不会重复立案。",
        "imp_jobs": "最近的导入", "imp_file_name": "文件", "imp_started": "开始时间",
        "imp_no_jobs": "暂无导入记录。",
        "imp_counts": "共{total}行，已完成{done}行，失败{failed}行",
        "imp_uploading": "正在上传并校验…", "imp_choose": "请先选择文件。",
        "imp_network": "上传未能送达服务器，请重试。",
        "imp_failed_rows": "未能立案的行",
        "imp_to_worklist": "打开工作清单",
        "imp_new": "导入其他文件",
        "imp_columns": "列名说明", "imp_required": "必填列", "imp_optional": "选填列",
    },
}
