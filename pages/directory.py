"""Directory: for VCS groups keeping their own records up to date, and Open Referral UK out."""

import streamlit as st

from socialrx import ui
from socialrx.data import corrections, openreferral
from socialrx.data.files import SourceFile
from socialrx.data.problems import Report
from socialrx.escape import file_slug, markdown_text
from socialrx.team import access
from socialrx.ui import corrections as corrections_ui
from socialrx.ui.feeds import feed_fetcher
from socialrx.views import directory
from socialrx.views.data import problems_table
from socialrx.views.panels import Section

context = ui.current()
ui.page_header(
    "Directory",
    context,
    "For VCS groups: see which of your asset records are stale or missing what filters "
    "need, and correct them here (the directory's editors approve each change) or in a "
    "sheet. For everyone: the directory, with approved corrections, as Open Referral UK and "
    "assets.csv.",
)
dataset, level = context.dataset, context.level
# a provider keeps its own organisation's records only
choices = access.organisations(context.person, ui.directory_choices(dataset, dataset.content_hash))
everyone = ui.directory_organisations(dataset, dataset.content_hash, level)
# the organisation is chosen below the page's answers: its value is read here first (a link's,
# or one kept from other data falling back with a note), and checked before its records
own = []
if choices:
    ui.linked("directory_org", list(choices), "organisation", choices.get,
              default=next(iter(choices)))  # fmt: skip
    chosen_org = st.session_state.get("directory_org", next(iter(choices)))
    ui.allowed(access.check_organisation, chosen_org)  # before its records, sheet or corrections
    own = directory.own_panels(dataset, chosen_org, level)
ui.summary([Section("", [*own, everyone])])

if not choices and context.person.organisation_id:
    st.info("No asset in this directory belongs to your organisation.")
elif not choices:
    st.info(
        "No asset names an organisation: give assets an organisation_id (and add "
        "organisations.csv) to correct them organisation by organisation."
    )
else:
    org = st.selectbox(
        "Your organisation",
        list(choices),
        format_func=choices.get,
        key="directory_org",
        help="The organisation whose asset records you keep.",
    )
    ui.draw(own)

    if not corrections_ui.on_data_folder():
        st.info(
            "Corrections sent from here go to the directory in this deployment's data folder: "
            "choose Data source: Data folder in the sidebar to send them. With uploaded files, "
            "the correction sheet below gives you a corrected assets.csv."
        )
    elif corrections_ui.may_correct():
        corrections_ui.provider_corrections(
            dataset, org, corrections.organisation_name(dataset, org)
        )

    st.header("Or correct a spreadsheet (and add new assets)")
    st.markdown(
        "1. Download your sheet.\n"
        "2. Correct it in a spreadsheet (the notes at the top say what each column allows) "
        "and save it as CSV.\n"
        "3. Upload it below: it is checked as assets.csv is, and every change is listed.\n"
        "4. Download the corrected assets.csv."
    )
    slug = file_slug(org, "organisation")
    st.download_button(
        "Download your correction sheet (CSV)",
        lambda: corrections.correction_sheet(dataset, org),
        file_name=f"correction_sheet_{slug}.csv",
        mime="text/csv",
        key="dl_correction_sheet",
        on_click="ignore",
    )
    upload = st.file_uploader(
        "Your corrected sheet (CSV)", type=["csv"], key=f"correction_upload_{slug}"
    )
    if upload is not None:
        checked = corrections.check_sheet(SourceFile(upload.name, upload.getvalue()), dataset, org)
        if checked.refused:
            st.error(markdown_text(checked.refused), icon=":material/block:")
        if checked.report.problems:
            st.caption(
                "Problems in the sheet (row numbers as the spreadsheet shows them; rows with "
                "errors in required values are left out, and those assets stay as they were):"
            )
            ui.show_table(problems_table(checked.report).rename(columns=str.capitalize))
        if not checked.refused:
            if checked.changes.empty:
                st.info("The sheet changes nothing.")
            else:
                ui.draw([directory.changes_panel(checked, level)])
                st.download_button(
                    "Download the corrected assets.csv",
                    lambda: corrections.corrected_csv(dataset, checked),
                    file_name="assets.csv",
                    mime="text/csv",
                    key="dl_corrected_assets",
                    on_click="ignore",
                    type="primary",
                )
                st.caption(
                    "Every asset of the dataset, with your corrections: replace assets.csv in "
                    "the data folder with it (the app never writes into the data folder)."
                )

if corrections_ui.may_approve() and corrections_ui.on_data_folder():
    corrections_ui.editor_queue()

ui.draw([everyone])

st.header("Open Referral UK")
st.write(
    "The directory as Open Referral UK (HSDS 3) tables and JSON, for a council or ICB "
    "directory to import; ids stay the same from one export to the next. Importing works the "
    "other way: put a directory's /services JSON, its HSDS CSV tables or a zip of either in "
    "the data folder (or upload it), with a taxonomy_mapping.csv to say which category each "
    "taxonomy term is."
)
organisations = dataset.table("organisations") if dataset.has("organisations") else None
st.download_button(
    "Download as Open Referral UK (zip of CSV tables and services.json)",
    lambda: openreferral.export_zip(
        openreferral.export_files(dataset.table("assets"), organisations)
    ),
    file_name="openreferral_hsds3.zip",
    mime="application/zip",
    key="dl_openreferral",
    on_click="ignore",
)
corrections_ui.directory_download(dataset)
feed_fetcher()
with st.expander("Map a directory's taxonomy terms to our categories"):
    st.write(
        "Upload a directory (its /services JSON, its HSDS CSV tables or a zip) and, if you "
        "have one, your taxonomy_mapping.csv: the terms that map to no category are listed, and "
        "the mapping downloads with them added (category blank) for you to fill in. Put the "
        "mapping in the data folder beside the directory, or upload them together."
    )
    uploads = st.file_uploader(
        "Directory files", type=["json", "csv", "zip"], accept_multiple_files=True,
        key="mapping_directory",
    )  # fmt: skip
    mapping, unmapped = None, []
    if uploads:
        found = Report()
        files = [SourceFile(u.name, u.getvalue()) for u in uploads]
        imported, _ = openreferral.import_directory(files, found)
        if imported is None:
            st.warning("No Open Referral directory in these files.")
        else:
            mapping = imported.mapping
            terms = openreferral.unmapped_table(imported)
            unmapped = list(zip(terms["term"], terms["vocabulary"], strict=True))
            st.caption(
                f"{len(imported.assets):,} assets; {len(terms):,} taxonomy terms map to no "
                "category (their services would be filed under other)."
            )
            if len(terms):
                ui.show_table(terms.rename(columns=str.capitalize))
    st.download_button(
        "Download the taxonomy mapping (CSV: term, vocabulary, category)",
        openreferral.mapping_csv(mapping, unmapped),
        file_name="taxonomy_mapping.csv",
        mime="text/csv",
        key="dl_taxonomy_mapping",
        on_click="ignore",
    )
