"""The search: the index and store of the published notes, as the search page loads them.

    documents     what a note is to the index: its fields, FIELDS, in note id order
    stemmer       lunr.js's Porter stemmer in Python, the one the browser uses
    postings      lunr's tokens and pipeline, and the postings of lunr's index
    index_format  the format of search/index.js ("postings-1", described there) and its writer
    store         search/store.js: what results and facets show
    files         the two script files, search_files()
"""
