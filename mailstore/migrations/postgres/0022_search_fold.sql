-- Search finds words folded (vitnemal finds vitnemål, sjo finds sjø), the
-- names of files attached, and the addresses and names of the people on a
-- ticket (Store.Search). sak_fold is the folding of searchtext.go's fold:
-- the letters a-z with diacritics (of U+00C0-U+024F, U+1E00-U+1EFF) as the
-- letters without, ø as o, æ as ae and ſ as s, as SQLite's tokenizer folds
-- them; to_tsvector then lowers the case.
-- It also makes spaces of the punctuation by which PostgreSQL's parser
-- would keep several words as one (pat@example.com, e-post, vitnemål.pdf,
-- www.uio.no/x): every word is then a run of letters and digits, as on
-- SQLite. TestFoldAgrees compares it with fold.
CREATE FUNCTION sak_fold(t text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN translate(
        replace(replace(t, 'Æ', 'ae'), 'æ', 'ae'),
        'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĨĩĪīĬĭĮįĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƠơƯưǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǦǧǨǩǪǫǬǭǰǴǵǸǹǺǻȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȞȟȦȧȨȩȪȫȬȭȮȯȰȱȲȳḀḁḂḃḄḅḆḇḈḉḊḋḌḍḎḏḐḑḒḓḔḕḖḗḘḙḚḛḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḬḭḮḯḰḱḲḳḴḵḶḷḸḹḺḻḼḽḾḿṀṁṂṃṄṅṆṇṈṉṊṋṌṍṎṏṐṑṒṓṔṕṖṗṘṙṚṛṜṝṞṟṠṡṢṣṤṥṦṧṨṩṪṫṬṭṮṯṰṱṲṳṴṵṶṷṸṹṺṻṼṽṾṿẀẁẂẃẄẅẆẇẈẉẊẋẌẍẎẏẐẑẒẓẔẕẖẗẘẙẛẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ.@-/:_+<>&',
        'aaaaaaceeeeiiiinoooooouuuuyaaaaaaceeeeiiiinoooooouuuuyyaaaaaaccccccccddeeeeeeeeeegggggggghhiiiiiiiijjkkllllllnnnnnnoooooorrrrrrssssssssttttuuuuuuuuuuuuwwyyyzzzzzzsoouuaaiioouuuuuuuuuuaaggkkoooojggnnaaaaaaeeeeiiiioooorrrruuuusstthhaaeeooooooooyyaabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmmmmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvvwwwwwwwwwwxxxxyyzzzzzzhtwysaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy          ');

-- The indexed documents, computed by the database in the same transaction
-- as every write. Replacing a generated column rewrites its table once.
ALTER TABLE messages DROP COLUMN fts;
ALTER TABLE messages ADD COLUMN fts tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, sak_fold(left(text, 100000)))) STORED;
CREATE INDEX messages_fts ON messages USING GIN (fts);

ALTER TABLE tickets DROP COLUMN fts;
ALTER TABLE tickets ADD COLUMN fts tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, sak_fold(subject))) STORED;
CREATE INDEX tickets_fts ON tickets USING GIN (fts);

ALTER TABLE attachments ADD COLUMN fts tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, sak_fold(name))) STORED;
CREATE INDEX attachments_fts ON attachments USING GIN (fts);

ALTER TABLE users ADD COLUMN fts tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, sak_fold(email || ' ' || name))) STORED;
CREATE INDEX users_fts ON users USING GIN (fts);
